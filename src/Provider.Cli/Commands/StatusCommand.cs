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
        var ordered = rows.Select(r => WithContainers(r, new JsonObject
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
        })).ToList();
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
            if (rows.Any(r => r.Containers.Length > 0))
            {
                console.Out.WriteLine();
                TextTable.Write(console.Out, ["NODE", "ENVIRONMENT", "SLOT", "SERVICE", "CONTAINER", "STATE", "HEALTH", "IMAGE", "IMAGE ID"], rows.SelectMany(r => r.Containers.Select(c => new[]
                {
                    r.Node, r.Environment, c.Project[(r.Environment.Length + 1)..] + (c.Project == EnvironmentStage.ComposeProject(r.Environment, r.Slot ?? "") ? " (live)" : ""),
                    c.Service, c.Name, c.State == "exited" ? $"exited ({c.ExitCode.ToString(CultureInfo.InvariantCulture)})" : c.State, c.Health ?? "-", c.Image, c.ShortImageId,
                })));
            }
        }

        return nodeRows.All(n => n.Reachable) ? ExitCodes.Success : ExitCodes.Error;
    }

    public static async Task<int> HistoryAsync(string repoDir, string? identity, string? env, string? onlyNode, string format, CliConsole console, CancellationToken ct)
    {
        var (ordered, unreachable) = await FleetStatus.ReadHistoryAsync(new FleetAccess(repoDir, identity), env, onlyNode, ct);
        string Time(long t) => DateTimeOffset.FromUnixTimeSeconds(t).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (format == "json")
        {
            console.Out.Write(System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(new JsonArray([.. ordered.Select(e => (JsonNode)WithImages(e.Entry, new JsonObject
            {
                ["time"] = Time(e.Entry.Time),
                ["node"] = e.Node,
                ["environment"] = e.Environment,
                ["release"] = e.Entry.Release,
                ["rev"] = e.Entry.Rev,
                ["outcome"] = e.Entry.Outcome,
                ["seconds"] = double.IsNaN(e.Entry.Seconds) ? null : e.Entry.Seconds,
            }))]))));
        }
        else
        {
            // The IMAGE column only where compose releases are listed: what each was built with (tag, or pinned reference, and short ID).
            var images = ordered.Any(e => e.Entry.Images.Length > 0);
            string[] headers = ["TIME", "NODE", "ENVIRONMENT", "RELEASE", "REV", "OUTCOME", "DURATION"];
            TextTable.Write(console.Out, images ? [.. headers, "IMAGE"] : headers, ordered.Select(e => new[]
            {
                Time(e.Entry.Time), e.Node, e.Environment, e.Entry.Release, Short(e.Entry.Rev), e.Entry.Outcome,
                double.IsNaN(e.Entry.Seconds) ? "-" : e.Entry.Seconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
            }.Concat(images ? [e.Entry.Images.Length == 0 ? "-" : string.Join(", ", e.Entry.Images.Select(i => $"{(i.Service is null ? i.Image : $"{i.Service}={i.Reference}")} ({ComposeContainers.ShortId(i.Id)})"))] : []).ToArray()));
        }

        foreach (var (node, error) in unreachable)
        {
            console.Error.WriteLine($"error: {node}: history not read: {error}");
        }

        return unreachable.IsEmpty ? ExitCodes.Success : ExitCodes.Error;
    }

    /// <summary>A compose release's history entry gets "images": each built image's tag and ID, each pinned one's service, image, ID and digest.</summary>
    private static JsonObject WithImages(EnvironmentStage.HistoryEntry entry, JsonObject row)
    {
        if (entry.Images.Length > 0)
        {
            row["images"] = new JsonArray([.. entry.Images.Select(i => (JsonNode)new JsonObject
            {
                ["image"] = i.Image,
                ["id"] = i.Id,
                ["service"] = i.Service,
                ["digest"] = i.Digest,
            })]);
        }

        return row;
    }

    /// <summary>A compose environment's row gets "containers": both slots' projects, each marked whether its slot is the live one.</summary>
    private static JsonObject WithContainers(EnvironmentStatusRow r, JsonObject row)
    {
        if (r.Kind == "compose")
        {
            row["containers"] = Containers(r);
        }

        return row;
    }

    private static JsonArray Containers(EnvironmentStatusRow r) => new([.. r.Containers.Select(c => (JsonNode)new JsonObject
    {
        ["slot"] = c.Project[(r.Environment.Length + 1)..],
        ["live"] = c.Project == EnvironmentStage.ComposeProject(r.Environment, r.Slot ?? ""),
        ["service"] = c.Service,
        ["container"] = c.Name,
        ["state"] = c.State,
        ["exitCode"] = c.State == "exited" ? c.ExitCode : null,
        ["health"] = c.Health,
        ["image"] = c.Image,
        ["imageId"] = c.ImageId,
    })]);

    private static string S(JsonNode? node) => node?.GetValue<string>() is { Length: > 0 } s ? s : "-";

    private static string Short(string rev) => rev.Length > 12 && !rev.StartsWith("tree-", StringComparison.Ordinal) ? rev[..12] : rev;

}
