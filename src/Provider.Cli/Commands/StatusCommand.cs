using Provider.Nodes.Fleet;
using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Apply;
using Provider.Nodes.Ssh;
using Provider.Planning.Output;
using Provider.Planning.Planner;

namespace Provider.Cli.Commands;

/// <summary>`status [--node N]`: what runs where, read from the nodes in parallel; `history [--env E]`: past deploys.</summary>
public static class StatusCommand
{
    private static readonly Option<string?> NodeOption = new("--node") { Description = "Only this node." };
    private static readonly Option<string?> EnvOption = new("--env") { Description = "Only this environment." };

    public static Command CreateStatus(CliConsole console)
    {
        var command = new Command("status", "Show per node and environment: generation, release, rev, slot, health and last deploy (read from the nodes).");
        command.Options.Add(NodeOption);
        command.Options.Add(CommonOptions.Format);
        command.SetAction((r, ct) => StatusAsync(CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Identity), r.GetValue(NodeOption), r.GetValue(CommonOptions.Format) ?? "text", console, ct));
        return command;
    }

    public static Command CreateHistory(CliConsole console)
    {
        var command = new Command("history", "List past deploys: environments' releases with outcome and duration and, without --env, the nodes' system generation switches (read from the nodes).");
        command.Options.Add(EnvOption);
        command.Options.Add(NodeOption);
        command.Options.Add(CommonOptions.Format);
        command.SetAction((r, ct) => HistoryAsync(CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Identity), r.GetValue(EnvOption), r.GetValue(NodeOption),
            r.GetValue(CommonOptions.Format) ?? "text", console, ct));
        return command;
    }

    /// <summary>
    /// $1: the hostenv state root; then one argument per environment, tab-separated: user name, its env state
    /// dir, the app unit name with SLOT for the slot, the nginx upstream socket, the health-check path.
    /// </summary>
    private const string StatusScript = """
        root="$1"; shift
        echo "generation $(basename "$(readlink "$root/current" 2>/dev/null)" 2>/dev/null)"
        n=$(grep " $(basename "$(readlink "$root/current" 2>/dev/null)" 2>/dev/null)\$" "$root/generations.index" 2>/dev/null | cut -d' ' -f1)
        echo "number ${n:-}"
        tab=$(printf '\t')
        for a in "$@"; do
          IFS="$tab" read -r u dir unit sock hp <<EOF
        $a
        EOF
          echo "env $u"
          sed 's/^/  /' "$dir/state" 2>/dev/null | grep -v fingerprint
          tail -n 1 "$dir/deploys.log" 2>/dev/null | sed 's/^/  last=/'
          slot=$(sed -n 's/^slot=//p' "$dir/state" 2>/dev/null)
          if [ -n "$slot" ]; then
            echo "  active=$(systemctl is-active "$(echo "$unit" | sed "s/SLOT/$slot/")" 2>/dev/null)"
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --unix-socket "$sock" "http://localhost$hp" 2>/dev/null)
            echo "  http=$code"
          fi
        done
        true
        """;

    private static string StatusArgument(string user, Provider.Planning.Plan.EnvironmentPlan spec) => string.Join('\t', user, EnvironmentStage.EnvDir(user),
        EnvironmentStage.AppUnit(user, "SLOT"), HostenvPaths.UpstreamSocket(user), HealthPath(spec));

    public static async Task<int> StatusAsync(string repoDir, string? identity, string? onlyNode, string format, CliConsole console, CancellationToken ct)
    {
        var fleet = new FleetAccess(repoDir, identity);
        var nodes = fleet.Nodes.Where(n => onlyNode is null || n == onlyNode).ToList();
        if (nodes.Count == 0)
        {
            throw new UserException($"node '{onlyNode}' is not in the plan");
        }

        var rows = new ConcurrentBag<JsonObject>();
        var nodeRows = new ConcurrentDictionary<string, JsonObject>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = 10, CancellationToken = ct }, async (node, token) =>
        {
            var envs = fleet.Plan.Nodes[node].Environments;
            try
            {
                await using var session = await fleet.ConnectAsync(node, token);
                var r = await session.RunAsync(RemoteCommand.Shell(StatusScript, [GenerationHistory.Root, .. envs.Select(e => StatusArgument(e, fleet.Plan.Environments[e]))]).AsRoot(), TimeSpan.FromSeconds(60), token);
                var parsed = Parse(r.Stdout);
                nodeRows[node] = new JsonObject { ["node"] = node, ["reachable"] = true, ["generation"] = parsed.Generation, ["generationNumber"] = parsed.Number };
                foreach (var env in envs)
                {
                    var e = parsed.Envs.GetValueOrDefault(env) ?? [];
                    var spec = fleet.Plan.Environments[env];
                    var kind = spec.App?.Run is not null ? "app" : spec.App?.Static is not null ? "static" : "none";
                    var last = EnvironmentStage.ParseHistory(e.GetValueOrDefault("last") ?? "").FirstOrDefault();
                    rows.Add(new JsonObject
                    {
                        ["node"] = node,
                        ["environment"] = env,
                        ["kind"] = kind,
                        ["release"] = e.GetValueOrDefault("release"),
                        ["rev"] = e.GetValueOrDefault("rev"),
                        ["slot"] = e.GetValueOrDefault("slot"),
                        ["service"] = kind == "app" ? e.GetValueOrDefault("active") ?? "not deployed" : null,
                        ["http"] = e.GetValueOrDefault("http"),
                        ["lastDeploy"] = last is null ? null : new JsonObject
                        {
                            ["time"] = DateTimeOffset.FromUnixTimeSeconds(last.Time).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                            ["release"] = last.Release,
                            ["outcome"] = last.Outcome,
                            ["seconds"] = last.Seconds,
                        },
                    });
                }
            }
            catch (NodeConnectionException ex)
            {
                nodeRows[node] = new JsonObject { ["node"] = node, ["reachable"] = false, ["error"] = ex.Message };
            }
        });

        var ordered = rows.OrderBy(r => r["node"]!.GetValue<string>(), StringComparer.Ordinal).ThenBy(r => r["environment"]!.GetValue<string>(), StringComparer.Ordinal).ToList();
        if (format == "json")
        {
            console.Out.Write(System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(new JsonObject
            {
                ["nodes"] = new JsonArray([.. nodeRows.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => (JsonNode)n.Value)]),
                ["environments"] = new JsonArray([.. ordered.Select(r => (JsonNode)r)]),
            })));
        }
        else
        {
            TextTable.Write(console.Out, ["NODE", "REACHABLE", "GENERATION"], nodeRows.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => new[]
            {
                n.Key, n.Value["reachable"]!.GetValue<bool>() ? "yes" : "NO: " + n.Value["error"],
                n.Value["generation"]?.GetValue<string>() is { Length: > 0 } g ? $"{n.Value["generationNumber"]} ({GenerationHistory.Short(g)})" : "-",
            }));
            console.Out.WriteLine();
            TextTable.Write(console.Out, ["NODE", "ENVIRONMENT", "KIND", "RELEASE", "REV", "SLOT", "SERVICE", "HTTP", "LAST DEPLOY"], ordered.Select(r => new[]
            {
                S(r["node"]), S(r["environment"]), S(r["kind"]), S(r["release"]), Short(S(r["rev"])), S(r["slot"]), S(r["service"]), S(r["http"]),
                r["lastDeploy"] is JsonObject l ? $"{S(l["time"])} {S(l["outcome"])} ({l["seconds"]}s)" : "-",
            }));
        }

        return nodeRows.Values.All(n => n["reachable"]!.GetValue<bool>()) ? ExitCodes.Success : ExitCodes.Error;
    }

    public static async Task<int> HistoryAsync(string repoDir, string? identity, string? env, string? onlyNode, string format, CliConsole console, CancellationToken ct)
    {
        var fleet = new FleetAccess(repoDir, identity);
        var targets = new List<(string Node, string User)>();
        if (env is not null)
        {
            var (user, node, _) = fleet.Placed(env);
            targets.Add((node, user));
        }
        else
        {
            foreach (var node in fleet.Nodes.Where(n => onlyNode is null || n == onlyNode))
            {
                targets.AddRange(fleet.Plan.Nodes[node].Environments.Select(e => (node, e)));
            }
        }

        var entries = new ConcurrentBag<(string Node, string User, EnvironmentStage.HistoryEntry Entry)>();
        var unreachable = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var nodesToRead = env is null ? fleet.Nodes.Where(n => onlyNode is null || n == onlyNode).ToList() : [.. targets.Select(t => t.Node).Distinct()];
        await Parallel.ForEachAsync(nodesToRead.Select(n => targets.Where(t => t.Node == n).ToList()).Select((g, i) => (Node: nodesToRead[i], Targets: g)),
            new ParallelOptions { MaxDegreeOfParallelism = 10, CancellationToken = ct }, async (group, token) =>
        {
            SshNodeSession session;
            try
            {
                session = await fleet.ConnectAsync(group.Node, token);
            }
            catch (NodeConnectionException ex)
            {
                // One node down does not hide the others' history; the command still exits 1.
                unreachable[group.Node] = ex.Message;
                return;
            }

            await using var _ = session;
            if (env is null)
            {
                // The node's own record of its system generations: every switch, with why it happened.
                var generations = await GenerationHistory.ReadAsync(session, token);
                foreach (var (e, i) in generations.Events.Select((e, i) => (e, i)).Where(x => x.e.Reason != "confirmed"))
                {
                    var number = generations.Generations.FirstOrDefault(g => g.Id == e.Generation)?.Number;
                    var label = e.Generation == "none" ? "none" : $"gen {number?.ToString(CultureInfo.InvariantCulture) ?? "?"} ({GenerationHistory.Short(e.Generation)})";
                    var outcome = e.Reason.StartsWith("watchdog:", StringComparison.Ordinal) ? "watchdog-rollback"
                        : generations.Events.Skip(i + 1).TakeWhile(n => n.Reason == "confirmed" || n.Generation == e.Generation).Any(n => n.Reason == "confirmed" && n.Generation == e.Generation)
                            ? e.Reason + "+confirmed" : e.Reason;
                    entries.Add((group.Node, "(system)", new EnvironmentStage.HistoryEntry(e.Time, label, "", outcome, double.NaN, i)));
                }
            }

            foreach (var (node, user) in group.Targets)
            {
                foreach (var e in await EnvironmentStage.ReadHistoryAsync(session, user, token))
                {
                    entries.Add((node, user, e));
                }
            }
        });

        var ordered = entries.OrderBy(e => e.Entry.Time).ThenBy(e => e.User, StringComparer.Ordinal).ThenBy(e => e.Entry.Index).ToList();
        string Time(long t) => DateTimeOffset.FromUnixTimeSeconds(t).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (format == "json")
        {
            console.Out.Write(System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(new JsonArray([.. ordered.Select(e => (JsonNode)new JsonObject
            {
                ["time"] = Time(e.Entry.Time),
                ["node"] = e.Node,
                ["environment"] = e.User,
                ["release"] = e.Entry.Release,
                ["rev"] = e.Entry.Rev,
                ["outcome"] = e.Entry.Outcome,
                ["seconds"] = double.IsNaN(e.Entry.Seconds) ? null : e.Entry.Seconds,
            })]))));
        }
        else
        {
            TextTable.Write(console.Out, ["TIME", "NODE", "ENVIRONMENT", "RELEASE", "REV", "OUTCOME", "DURATION"], ordered.Select(e => new[]
            {
                Time(e.Entry.Time), e.Node, e.User, e.Entry.Release, Short(e.Entry.Rev), e.Entry.Outcome,
                double.IsNaN(e.Entry.Seconds) ? "-" : e.Entry.Seconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
            }));
        }

        foreach (var (node, error) in unreachable.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            console.Error.WriteLine($"error: {node}: history not read: {error}");
        }

        return unreachable.IsEmpty ? ExitCodes.Success : ExitCodes.Error;
    }

    private sealed record NodeStatus(string? Generation, string? Number, Dictionary<string, Dictionary<string, string>> Envs);

    private static NodeStatus Parse(string text)
    {
        string? generation = null, number = null;
        var envs = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("generation ", StringComparison.Ordinal))
            {
                generation = line[11..].Trim();
            }
            else if (line.StartsWith("number ", StringComparison.Ordinal))
            {
                number = line[7..].Trim();
            }
            else if (line.StartsWith("env ", StringComparison.Ordinal))
            {
                envs[line[4..].Trim()] = current = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            else if (current is not null && line.StartsWith("  ", StringComparison.Ordinal) && line.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                current[line[2..eq]] = line[(eq + 1)..];
            }
        }

        return new NodeStatus(generation is { Length: > 0 } ? generation : null, number is { Length: > 0 } ? number : null, envs);
    }

    private static string S(JsonNode? node) => node?.GetValue<string>() is { Length: > 0 } s ? s : "-";

    private static string Short(string rev) => rev.Length > 12 && !rev.StartsWith("tree-", StringComparison.Ordinal) ? rev[..12] : rev;

    internal static string HealthPath(Provider.Planning.Plan.EnvironmentPlan env) => env.App?.HealthCheck?.Path ?? "/";
}
