using Provider.Nodes.Engine;
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
        var command = new Command("status", "Show per node and environment: generation, release, rev, slot, health, drift (files of the live release changed in place) and last deploy (read from the nodes).");
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

    public static async Task<int> StatusAsync(string repoDir, string? identity, string? onlyNode, string format, CliConsole console, CancellationToken ct)
    {
        var (nodeRows, rows) = await FleetStatus.ReadAsync(new FleetAccess(repoDir, identity), onlyNode, ct);
        var nodes = nodeRows.Select(n => n.Reachable
            ? new JsonObject { ["node"] = n.Node, ["reachable"] = true, ["generation"] = n.Generation, ["generationNumber"] = n.GenerationNumber }
            : new JsonObject { ["node"] = n.Node, ["reachable"] = false, ["error"] = n.Error }).ToList();
        var ordered = rows.Select(r => new JsonObject
        {
            ["node"] = r.Node,
            ["environment"] = r.Environment,
            ["kind"] = r.Kind,
            ["release"] = r.Release,
            ["rev"] = r.Rev,
            ["slot"] = r.Slot,
            ["service"] = r.Service,
            ["http"] = r.Http,
            ["drift"] = r.Drift,
            ["lastDeploy"] = r.LastDeploy is not { } last ? null : new JsonObject
            {
                ["time"] = DateTimeOffset.FromUnixTimeSeconds(last.Time).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["release"] = last.Release,
                ["outcome"] = last.Outcome,
                ["seconds"] = last.Seconds,
            },
        }).ToList();
        if (format == "json")
        {
            console.Out.Write(System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(new JsonObject
            {
                ["nodes"] = new JsonArray([.. nodes.Select(n => (JsonNode)n)]),
                ["environments"] = new JsonArray([.. ordered.Select(r => (JsonNode)r)]),
            })));
        }
        else
        {
            TextTable.Write(console.Out, ["NODE", "REACHABLE", "GENERATION"], nodeRows.Select(n => new[]
            {
                n.Node, n.Reachable ? "yes" : "NO: " + n.Error,
                n.Generation is { Length: > 0 } g ? $"{n.GenerationNumber} ({GenerationHistory.Short(g)})" : "-",
            }));
            console.Out.WriteLine();
            TextTable.Write(console.Out, ["NODE", "ENVIRONMENT", "KIND", "RELEASE", "REV", "SLOT", "SERVICE", "HTTP", "DRIFT", "LAST DEPLOY"], ordered.Select(r => new[]
            {
                S(r["node"]), S(r["environment"]), S(r["kind"]), S(r["release"]), Short(S(r["rev"])), S(r["slot"]), S(r["service"]), S(r["http"]),
                r["drift"]?.GetValue<int>() switch { null => "-", 0 => "no", var n => $"{n} file(s)" },
                r["lastDeploy"] is JsonObject l ? $"{S(l["time"])} {S(l["outcome"])} ({l["seconds"]}s)" : "-",
            }));
        }

        return nodeRows.All(n => n.Reachable) ? ExitCodes.Success : ExitCodes.Error;
    }

    public static async Task<int> HistoryAsync(string repoDir, string? identity, string? env, string? onlyNode, string format, CliConsole console, CancellationToken ct)
    {
        var (ordered, unreachable) = await FleetStatus.ReadHistoryAsync(new FleetAccess(repoDir, identity), env, onlyNode, ct);
        string Time(long t) => DateTimeOffset.FromUnixTimeSeconds(t).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (format == "json")
        {
            console.Out.Write(System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(new JsonArray([.. ordered.Select(e => (JsonNode)new JsonObject
            {
                ["time"] = Time(e.Entry.Time),
                ["node"] = e.Node,
                ["environment"] = e.Environment,
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
                Time(e.Entry.Time), e.Node, e.Environment, e.Entry.Release, Short(e.Entry.Rev), e.Entry.Outcome,
                double.IsNaN(e.Entry.Seconds) ? "-" : e.Entry.Seconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
            }));
        }

        foreach (var (node, error) in unreachable)
        {
            console.Error.WriteLine($"error: {node}: history not read: {error}");
        }

        return unreachable.IsEmpty ? ExitCodes.Success : ExitCodes.Error;
    }

    private static string S(JsonNode? node) => node?.GetValue<string>() is { Length: > 0 } s ? s : "-";

    private static string Short(string rev) => rev.Length > 12 && !rev.StartsWith("tree-", StringComparison.Ordinal) ? rev[..12] : rev;

}
