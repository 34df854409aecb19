using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Apply;
using Provider.Nodes.Fleet;
using Provider.Nodes.Repository;
using Provider.Nodes.Ssh;
using Provider.Planning.Output;

namespace Provider.Cli.Commands;

public sealed record NodeListArguments(string RepoDir, string Format, bool Offline, string? Identity);

/// <summary>`node list`: the host registry (nodes/*/node.yaml) with the plan's environments per node and each node's current generation.</summary>
public static class NodeListCommand
{
    private static readonly Option<bool> OfflineOption = new("--offline") { Description = "Do not connect to the nodes (no GENERATION column)." };

    public static Command Create(CliConsole console)
    {
        var list = new Command("list", "List every node: address, SSH user, pinned host key, the environments the plan puts on it and the generation it runs (over SSH unless --offline).");
        list.Options.Add(CommonOptions.Format);
        list.Options.Add(OfflineOption);
        list.SetAction((r, ct) => RunAsync(new NodeListArguments(
            CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Format) ?? "text", r.GetValue(OfflineOption), r.GetValue(CommonOptions.Identity)), console, ct));
        return list;
    }

    public static async Task<int> RunAsync(NodeListArguments args, CliConsole console, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        var plan = File.Exists(repo.FullPath(ProviderRepository.PlanFile)) ? FleetAccess.Load(args.RepoDir).Plan : null;
        var (nodes, diagnostics) = NodeRegistry.List(repo, plan);
        var generations = ImmutableDictionary<string, NodeGenerationReport>.Empty;
        if (!args.Offline && !nodes.IsEmpty)
        {
            var key = SshKeyLocator.Locate(args.Identity);
            var reports = await Task.WhenAll(nodes.Select(n => NodeRegistry.ReadGenerationAsync(n.Target, key, ct)));
            generations = nodes.Select((n, i) => (n.Name, reports[i])).ToImmutableDictionary(p => p.Name, p => p.Item2, StringComparer.Ordinal);
        }

        if (args.Format == "json")
        {
            console.Out.Write(CanonicalJson.SerializeToString(new JsonObject
            {
                ["nodes"] = new JsonArray([.. nodes.Select(n => (JsonNode)ToJson(n, generations.GetValueOrDefault(n.Name)))]),
                ["planned"] = plan is not null,
            }));
        }
        else
        {
            TextTable.Write(console.Out, ["NODE", "ADDRESS", "USER", "HOST KEY", "ENVIRONMENTS", .. args.Offline ? Array.Empty<string>() : ["GENERATION"]], nodes.Select(n => (string[])
            [
                n.Name, n.Address + ":" + n.Port.ToString(CultureInfo.InvariantCulture), n.User, n.HostKeyFingerprint ?? "NOT PINNED",
                !n.InPlan ? (plan is null ? "(no plan yet)" : "(not in the plan: run plan)") : n.Environments.IsEmpty ? "-" : string.Join(", ", n.Environments),
                .. args.Offline ? Array.Empty<string>() : [Generation(generations.GetValueOrDefault(n.Name))],
            ]));
            if (nodes.IsEmpty)
            {
                console.Error.WriteLine("no nodes in nodes/; add one with `hostenv-provider node add NAME --address HOST`");
            }
        }

        foreach (var (name, report) in generations.Where(g => !g.Value.Reachable).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            console.Error.WriteLine($"{name}: not reachable: {report.Error}");
        }

        if (diagnostics.Any(d => d.IsError))
        {
            DiagnosticPrinter.Print(console, diagnostics);
        }

        return diagnostics.Any(d => d.IsError) || generations.Values.Any(g => !g.Reachable) ? ExitCodes.Error : ExitCodes.Success;
    }

    private static JsonObject ToJson(NodeListing n, NodeGenerationReport? g) => new()
    {
        ["name"] = n.Name,
        ["address"] = n.Address,
        ["port"] = n.Port,
        ["user"] = n.User,
        ["hostKeyFingerprint"] = n.HostKeyFingerprint,
        ["addresses"] = new JsonArray([.. n.Addresses.Select(a => (JsonNode?)a)]),
        ["inPlan"] = n.InPlan,
        ["environments"] = new JsonArray([.. n.Environments.Select(e => (JsonNode?)e)]),
        ["generation"] = g is null ? null : new JsonObject { ["reachable"] = g.Reachable, ["number"] = g.Number, ["id"] = g.Id, ["error"] = g.Error },
    };

    private static string Generation(NodeGenerationReport? g) => g switch
    {
        null => "-",
        { Reachable: false } => "unreachable",
        { Id: null or "" } => "none yet",
        _ => $"{g.Number} ({GenerationHistory.Short(g.Id)})",
    };
}
