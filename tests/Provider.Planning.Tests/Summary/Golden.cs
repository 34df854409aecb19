using System.Text.Json.Nodes;
using Provider.Planning.Output;

namespace Provider.Planning.Tests.Summary;

/// <summary>Real planner outputs from the repository, loaded once, handed out as fresh copies to edit.</summary>
internal static class Golden
{
    private static readonly string Root = FindRoot();

    public static JsonObject Plan(string source = "generated") => Load(source, "plan.json");

    public static JsonObject State(string source = "generated") => Load(source, "state.json");

    /// <summary>plan.json exactly as committed (for readers that take text).</summary>
    public static string PlanText(string source = "generated") => Read(Location(source, "plan.json"));

    /// <summary>Every committed plan: "generated" and each golden case that has an expected plan.json, in ordinal order.</summary>
    public static IEnumerable<string> PlanSources() =>
        new[] { "generated" }.Concat(Directory.GetDirectories(Path.Combine(Root, "tests", "golden"))
            .Where(d => File.Exists(Path.Combine(d, "expected", "plan.json")))
            .Select(d => Path.GetFileName(d))
            .Order(StringComparer.Ordinal));

    public static string Text(JsonObject node) => CanonicalJson.SerializeToString(node);

    /// <summary>Takes an environment off every node, as the planner does for a disabled or gone one.</summary>
    public static void RemoveFromNodes(JsonObject plan, string userName)
    {
        foreach (var (_, value) in plan["nodes"]!.AsObject())
        {
            var node = value!.AsObject();
            var vhosts = node["services"]!["nginx"]!["virtualHosts"]!.AsObject();
            foreach (var name in vhosts.Where(v => (string?)v.Value!["owner"] == userName).Select(v => v.Key).ToList())
            {
                vhosts.Remove(name);
                node["security"]!["acme"]!["certs"]!.AsObject().Remove(name);
            }

            node["services"]!["nginx"]!["upstreams"]!.AsObject().Remove(userName + "_upstream");
            node["users"]!["users"]!.AsObject().Remove(userName);
            node["users"]!["groups"]!.AsObject().Remove(userName);
            node["systemd"]!["slices"]!.AsObject().Remove("hostenv-" + userName + ".slice");
            var environments = node["environments"]!.AsArray();
            foreach (var item in environments.Where(e => (string?)e == userName).ToList())
            {
                environments.Remove(item);
            }
        }
    }

    /// <summary>Moves an environment and everything it has on its node to another node.</summary>
    public static void Move(JsonObject plan, JsonObject state, string userName, string from, string to)
    {
        var source = plan["nodes"]![from]!.AsObject();
        var target = plan["nodes"]![to]!.AsObject();
        foreach (var path in new[] { "services.nginx.virtualHosts", "security.acme.certs" })
        {
            var (s, t) = (Walk(source, path), Walk(target, path));
            foreach (var name in s.Where(v => (string?)v.Value!["owner"] == userName).Select(v => v.Key).ToList())
            {
                t[name] = s[name]!.DeepClone();
                s.Remove(name);
            }
        }

        foreach (var (path, key) in new[] { ("services.nginx.upstreams", userName + "_upstream"), ("users.users", userName), ("users.groups", userName), ("systemd.slices", "hostenv-" + userName + ".slice") })
        {
            Walk(target, path)[key] = Walk(source, path)[key]!.DeepClone();
            Walk(source, path).Remove(key);
        }

        plan["environments"]![userName]!["node"] = to;
        plan["environments"]![userName]!["previousNode"] = from;
        state[userName]!["node"] = to;
    }

    public static JsonObject Walk(JsonObject node, string dottedPath) =>
        dottedPath.Split('.').Aggregate(node, (n, key) => n[key]!.AsObject());

    private static readonly Dictionary<string, string> Cache = [];

    private static JsonObject Load(string source, string file) => JsonNode.Parse(Read(Location(source, file)))!.AsObject();

    private static string Location(string source, string file) => source == "generated"
        ? Path.Combine(Root, "generated", file)
        : Path.Combine(Root, "tests", "golden", source, "expected", file);

    private static string Read(string path)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(path, out var cached))
            {
                cached = File.ReadAllText(path);
                Cache[path] = cached;
            }

            return cached;
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Provider.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Provider.sln not found above " + AppContext.BaseDirectory);
    }
}
