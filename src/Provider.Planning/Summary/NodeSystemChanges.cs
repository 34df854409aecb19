using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Provider.Planning.Summary;

/// <summary>Differences in plan.nodes: the node itself, its vhosts, users and slices.</summary>
internal static class NodeSystemChanges
{
    /// <summary>One kind of member of a node: where it lives and which environment owns an entry.</summary>
    private sealed record Members(string Subject, string[] Path, Func<string, JsonObject?, string> Owner, Func<JsonObject, string?> Describe);

    private const string SlicePrefix = "hostenv-";
    private const string SliceSuffix = ".slice";

    private static readonly Members[] Kinds =
    [
        new(Subjects.Vhost, ["services", "nginx", "virtualHosts"], (_, v) => FieldDiff.Plain(v?["owner"]) ?? "", v => FieldDiff.Plain(v["owner"])),
        new(Subjects.User, ["users", "users"], (name, _) => name, u => FieldDiff.Plain(u["uid"]) is { } uid ? "uid " + uid : null),
        new(Subjects.Slice, ["systemd", "slices"], (name, _) => SliceOwner(name), _ => null),
    ];

    // Node settings leave out what the member lines already report: certs follow the vhosts'
    // enableACME, upstreams and groups follow environments and users.
    private static readonly ImmutableHashSet<string> NotSettings = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "environments",
        "security.acme.certs",
        "services.nginx.upstreams",
        "services.nginx.virtualHosts",
        "systemd.slices",
        "users");

    public static IEnumerable<PlacedChange> Compare(JsonObject? oldPlan, JsonObject? newPlan)
    {
        var (oldNodes, newNodes) = (oldPlan?["nodes"] as JsonObject, newPlan?["nodes"] as JsonObject);
        foreach (var node in FieldDiff.Keys(oldNodes, newNodes))
        {
            var old = oldNodes?[node] as JsonObject;
            var now = newNodes?[node] as JsonObject;
            if (old is null && now is null)
            {
                continue;
            }

            if (old is null || now is null)
            {
                var address = FieldDiff.Plain((old ?? now)?["address"]);
                yield return new(node, "", old is null ? Change.Added(Subjects.Node, node, address) : Change.Removed(Subjects.Node, node, address));
            }
            else if (Settings(node, oldPlan, old, newPlan, now) is { IsEmpty: false } fields)
            {
                yield return new(node, "", Change.Modified(Subjects.Node, node, fields));
            }

            foreach (var kind in Kinds)
            {
                foreach (var change in Compare(node, kind, Child(old, kind.Path), Child(now, kind.Path)))
                {
                    yield return change;
                }
            }
        }
    }

    private static ImmutableArray<FieldChange> Settings(string node, JsonObject? oldPlan, JsonObject old, JsonObject? newPlan, JsonObject now)
    {
        // How the node is reached is a node setting too, though plan.json keeps it apart.
        var oldConnection = Child(oldPlan, ["nodeConnections", node]);
        var newConnection = Child(newPlan, ["nodeConnections", node]);
        return [
            .. FieldDiff.Compare(old, now, NotSettings.Contains),
            .. FieldDiff.Compare(oldConnection, newConnection).Select(f => f with { Field = "connection." + f.Field }),
        ];
    }

    private static IEnumerable<PlacedChange> Compare(string node, Members kind, JsonObject? oldMembers, JsonObject? newMembers)
    {
        foreach (var name in FieldDiff.Keys(oldMembers, newMembers))
        {
            var old = oldMembers?[name] as JsonObject;
            var now = newMembers?[name] as JsonObject;
            if (FieldDiff.Entry(kind.Subject, name, old, now, kind.Describe) is { } change)
            {
                // Listed with the environment that has it now, or had it when it goes.
                yield return new(node, kind.Owner(name, now ?? old), change);
            }
        }
    }

    private static JsonObject? Child(JsonObject? node, string[] path)
    {
        foreach (var key in path)
        {
            node = node?[key] as JsonObject;
        }

        return node;
    }

    // Slices are named after their environment's user (HostenvPaths.Slice); the name is all there is to go on.
    private static string SliceOwner(string slice) =>
        slice.StartsWith(SlicePrefix, StringComparison.Ordinal) && slice.EndsWith(SliceSuffix, StringComparison.Ordinal)
            ? slice[SlicePrefix.Length..^SliceSuffix.Length]
            : "";
}
