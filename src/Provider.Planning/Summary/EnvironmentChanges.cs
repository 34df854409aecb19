using System.Text.Json.Nodes;

namespace Provider.Planning.Summary;

/// <summary>Differences in plan.environments, each listed under the node the environment is on.</summary>
internal static class EnvironmentChanges
{
    public static IEnumerable<PlacedChange> Compare(JsonObject? oldEnvironments, JsonObject? newEnvironments, JsonObject? newState)
    {
        foreach (var name in FieldDiff.Keys(oldEnvironments, newEnvironments))
        {
            var old = oldEnvironments?[name] as JsonObject;
            var now = newEnvironments?[name] as JsonObject;
            if (old is null && now is null)
            {
                continue;
            }

            if (old is null)
            {
                yield return new(NodeOf(now), name, Change.Added(Subjects.Environment, name, Describe(now)));
                continue;
            }

            if (now is null)
            {
                // A gone environment keeps its UID and vhosts until `state prune`; say which it is.
                var reservation = newState?.ContainsKey(name) == true ? "gone, reservation kept in state" : "reservation pruned from state too";
                yield return new(NodeOf(old), name, Change.Removed(Subjects.Environment, name, Describe(old) + ", " + reservation));
                continue;
            }

            var fields = FieldDiff.Compare(old, now, Skip, path => path == "app");
            // The app's other settings are listed by name; a lifted sandbox protection is shown with its values.
            if (!JsonNode.DeepEquals(old["app"]?[Sandbox], now["app"]?[Sandbox]))
            {
                fields = fields.Add(new FieldChange(SandboxAllow, ShowAllowed(old), ShowAllowed(now)));
            }

            if (fields.IsEmpty)
            {
                continue;
            }

            var (oldNode, newNode) = (NodeOf(old), NodeOf(now));
            yield return new(newNode, name, Change.Modified(Subjects.Environment, name, fields));
            if (oldNode != newNode)
            {
                yield return new(oldNode, name, new Change(ChangeKind.MovedAway, Subjects.Environment, name, [], "moved to " + newNode));
            }
        }
    }

    private const string Sandbox = "sandbox";
    private const string SandboxAllow = "app.sandbox.allow";

    // previousNode repeats what the "node" field already shows, and resets to null on the plan after a move.
    private static bool Skip(string path) => path is "previousNode" or "app." + Sandbox;

    /// <summary>"(none)" for a plan from before the sandbox (or without an app): the sandbox did not exist there.</summary>
    private static string? ShowAllowed(JsonObject environment) =>
        environment["app"]?[Sandbox] is null ? FieldDiff.Absent : FieldDiff.Show(Allowed(environment));

    /// <summary>The sandbox protections the environment lifts ([] when none or when it has no app).</summary>
    private static JsonArray Allowed(JsonObject? environment) => environment?["app"]?[Sandbox]?["allow"]?.DeepClone() as JsonArray ?? [];

    private static string NodeOf(JsonObject? environment) => FieldDiff.Plain(environment?["node"]) ?? "";

    private static string Describe(JsonObject? environment)
    {
        var parts = new List<string> { NodeOf(environment) };
        if (FieldDiff.Plain(environment?["uid"]) is { } uid)
        {
            parts.Add("uid " + uid);
        }

        if (environment?["enable"] is JsonValue enable && enable.TryGetValue<bool>(out var enabled) && !enabled)
        {
            parts.Add("disabled");
        }

        if (Allowed(environment) is { Count: > 0 } allowed)
        {
            parts.Add("sandbox allows " + string.Join(", ", allowed.Select(a => a?.GetValue<string>())));
        }

        return string.Join(", ", parts);
    }
}
