using System.Collections.Immutable;
using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Cloudflare;
using Provider.Nodes.Dns;
using Provider.Nodes.Engine;
using Provider.Nodes.Repository;
using Provider.Planning.Gate;
using Provider.Planning.Output;

namespace Provider.Cli.Commands;

public sealed record DnsGateArguments(string RepoDir, string? Node, bool DryRun, ImmutableArray<string> Nameservers, string Format,
    bool Cloudflare = false, bool Adopt = false, string? CfToken = null, string? CfApi = null);

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

    private static readonly Option<bool> CloudflareOption = new("--cloudflare") { Description = "Upsert a managed CNAME to the node for each failing vhost in the Cloudflare zone, then re-check." };
    private static readonly Option<bool> AdoptOption = new("--adopt") { Description = "With --cloudflare: replace conflicting records that hostenv-provider did not create." };
    private static readonly Option<string?> CfTokenOption = new("--cf-token") { Description = "Cloudflare API token (default: cloudflare.apiTokenFile, cloudflare.apiTokenEnv, $CF_API_TOKEN)." };
    private static readonly Option<string?> CfApiOption = new("--cf-api") { Description = "Cloudflare API base URL (default https://api.cloudflare.com/client/v4/), e.g. for a proxy." };

    public static Command Create(CliConsole console)
    {
        var command = new Command("dns-gate", "Resolve every vhost; where DNS does not point at its node, turn ACME and forceSSL off in the plan.");
        command.Options.Add(NodeOption);
        command.Options.Add(DryRunOption);
        command.Options.Add(NameserverOption);
        command.Options.Add(CommonOptions.Format);
        command.Options.Add(CloudflareOption);
        command.Options.Add(AdoptOption);
        command.Options.Add(CfTokenOption);
        command.Options.Add(CfApiOption);
        command.SetAction((r, ct) => RunAsync(new DnsGateArguments(
            CommonOptions.RepoDir(r), r.GetValue(NodeOption), r.GetValue(DryRunOption), [.. r.GetValue(NameserverOption) ?? []], r.GetValue(CommonOptions.Format) ?? "text",
            r.GetValue(CloudflareOption), r.GetValue(AdoptOption), r.GetValue(CfTokenOption), r.GetValue(CfApiOption)), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(DnsGateArguments args, CliConsole console, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        using var repoLock = args.DryRun ? null : RepoLocking.Acquire(repo, "dns-gate", console);
        ImmutableArray<System.Net.IPEndPoint> servers;
        try
        {
            servers = [.. args.Nameservers.Select(ResolverOptions.ParseNameserver)];
        }
        catch (FormatException ex)
        {
            throw new UserException("--nameserver: " + ex.Message);
        }

        var request = new DnsGateRequest(args.Node, args.DryRun, servers, args.Cloudflare, args.Adopt, args.CfToken, args.CfApi);
        var result = await new DnsGateRun(args.RepoDir, console.Error.WriteLine, TimeProvider.System).RunAsync(request, ct);
        var diff = result.Diff;
        Report(console, args.Format, result.Decisions);
        if (args.DryRun)
        {
            if (diff.Length > 0)
            {
                (args.Format == "json" ? console.Error : console.Out).Write(diff);
            }

            console.Error.WriteLine(diff.Length == 0 ? "dry run: the plan already reflects DNS." : "dry run: the plan would change as shown; nothing was written.");
            return diff.Length == 0 ? ExitCodes.Success : ExitCodes.ChangesFound;
        }

        if (result.CloudflareFailed)
        {
            console.Error.WriteLine("Cloudflare reported errors (above); the vhosts it could not fix stay gated.");
        }

        var gated = result.Decisions.Count(d => d.Status != GateStatus.Ok);
        console.Error.WriteLine($"{result.Decisions.Length} vhost(s) checked, {gated} gated (HTTP only until DNS points at the node); {result.QueriesSent} DNS queries. " +
            (result.Wrote ? $"Wrote {ProviderRepository.PlanFile}." : "The plan already reflected DNS; nothing changed."));
        return result.CloudflareFailed ? ExitCodes.Error : ExitCodes.Success;
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
                    ["node"] = d.Node,
                    ["vhost"] = d.Vhost,
                    ["expected"] = d.ExpectedHost,
                    ["status"] = GateDecision.StatusName(d.Status),
                    ["observed"] = new JsonArray([.. d.Observed.Select(o => (JsonNode?)o)]),
                    ["reason"] = d.Reason,
                });
            }

            console.Out.Write(CanonicalJson.SerializeToString(new JsonObject { ["vhosts"] = arr }));
            return;
        }

        if (decisions.IsEmpty)
        {
            return; // the summary on stderr says 0 vhosts were checked; an empty table says nothing more
        }

        TextTable.Write(console.Out, ["NODE", "VHOST", "STATUS", "OBSERVED", "REASON"],
            decisions.Select(d => new[] { d.Node, d.Vhost, GateDecision.StatusName(d.Status), string.Join(", ", d.Observed), d.Reason }));
    }
}
