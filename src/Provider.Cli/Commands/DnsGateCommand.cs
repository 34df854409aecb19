using System.Collections.Immutable;
using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Dns;
using Provider.Nodes.Repository;
using Provider.Planning.Gate;
using Provider.Planning.Output;

namespace Provider.Cli.Commands;

public sealed record DnsGateArguments(string RepoDir, string? Node, bool DryRun, ImmutableArray<string> Nameservers, string Format);

/// <summary>`dns-gate`: check every vhost's DNS before ACME; switch TLS off where DNS does not point at the node.</summary>
public static class DnsGateCommand
{
    private static readonly Option<string?> NodeOption = new("--node") { Description = "Only this node's vhosts." };
    private static readonly Option<bool> DryRunOption = new("--dry-run") { Description = "Print the plan diff and write nothing; exit 2 if anything would change." };
    private static readonly Option<string[]> NameserverOption = new("--nameserver")
    {
        Description = "Ask this DNS server (HOST:PORT, repeatable) instead of the zones' authoritative servers.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Command Create(CliConsole console)
    {
        var command = new Command("dns-gate", "Resolve every vhost; where DNS does not point at its node, turn ACME and forceSSL off in the plan.");
        command.Options.Add(NodeOption);
        command.Options.Add(DryRunOption);
        command.Options.Add(NameserverOption);
        command.Options.Add(CommonOptions.Format);
        command.SetAction((r, ct) => RunAsync(new DnsGateArguments(
            CommonOptions.RepoDir(r), r.GetValue(NodeOption), r.GetValue(DryRunOption), [.. r.GetValue(NameserverOption) ?? []], r.GetValue(CommonOptions.Format) ?? "text"), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(DnsGateArguments args, CliConsole console, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        using var repoLock = args.DryRun ? null : RepoLocking.Acquire(repo, "dns-gate", console);
        var planFile = repo.ReadText(ProviderRepository.PlanFile)
            ?? throw new UserException($"no {ProviderRepository.PlanFile}: run `hostenv-provider plan` first");
        var plan = JsonNode.Parse(planFile.Text) as JsonObject ?? throw new UserException($"{ProviderRepository.PlanFile} is not a JSON object; re-run `hostenv-provider plan`");
        if (args.Node is { } only && plan["nodes"]?[only] is null)
        {
            throw new UserException($"node '{only}' is not in the plan");
        }

        ImmutableArray<System.Net.IPEndPoint> servers;
        try
        {
            servers = [.. args.Nameservers.Select(ResolverOptions.ParseNameserver)];
        }
        catch (FormatException ex)
        {
            throw new UserException("--nameserver: " + ex.Message);
        }

        var targets = GateTargets.From(plan, args.Node);
        var resolver = new VhostResolver(ResolverOptions.Default with { Nameservers = servers });
        var observations = await resolver.ResolveAsync(targets.Select(t => t.Vhost).Concat(targets.Select(t => t.ExpectedHost)), ct);
        var decisions = targets.Select(t => GateDecider.Decide(t.Node, t.ExpectedHost, t.DeclaredAddresses,
            observations[GateDecider.Normalise(t.ExpectedHost)], observations[GateDecider.Normalise(t.Vhost)])).ToImmutableArray();

        GateApplier.Apply(plan, decisions.Select(GateRecord.From), targets.Select(t => t.Node).Distinct(StringComparer.Ordinal));
        var updated = CanonicalJson.Serialize(plan);
        var diff = UnifiedDiff.Create("a/" + ProviderRepository.PlanFile, "b/" + ProviderRepository.PlanFile, planFile.Text, Encoding.UTF8.GetString(updated));
        Report(console, args.Format, decisions);

        if (args.DryRun)
        {
            if (diff.Length > 0)
            {
                (args.Format == "json" ? console.Error : console.Out).Write(diff);
            }

            console.Error.WriteLine(diff.Length == 0 ? "dry run: the plan already reflects DNS." : "dry run: the plan would change as shown; nothing was written.");
            return diff.Length == 0 ? ExitCodes.Success : ExitCodes.ChangesFound;
        }

        var wrote = AtomicFile.WriteIfChanged(repo.FullPath(ProviderRepository.PlanFile), updated);
        var gated = decisions.Count(d => d.Status != GateStatus.Ok);
        console.Error.WriteLine($"{decisions.Length} vhost(s) checked, {gated} gated (HTTP only until DNS points at the node); {resolver.QueriesSent} DNS queries. " +
            (wrote ? $"Wrote {ProviderRepository.PlanFile}." : "The plan already reflected DNS; nothing changed."));
        return ExitCodes.Success;
    }

    private static void Report(CliConsole console, string format, ImmutableArray<GateDecision> decisions)
    {
        if (format == "json")
        {
            var arr = new JsonArray();
            foreach (var d in decisions)
            {
                arr.Add(new JsonObject
                {
                    ["node"] = d.Node, ["vhost"] = d.Vhost, ["expected"] = d.ExpectedHost, ["status"] = GateDecision.StatusName(d.Status),
                    ["observed"] = new JsonArray([.. d.Observed.Select(o => (JsonNode?)o)]), ["reason"] = d.Reason,
                });
            }

            console.Out.Write(CanonicalJson.SerializeToString(new JsonObject { ["vhosts"] = arr }));
            return;
        }

        TextTable.Write(console.Out, ["NODE", "VHOST", "STATUS", "OBSERVED", "REASON"],
            decisions.Select(d => new[] { d.Node, d.Vhost, GateDecision.StatusName(d.Status), string.Join(", ", d.Observed), d.Reason }));
    }
}
