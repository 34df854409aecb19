using System.Collections.Immutable;
using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Cloudflare;
using Provider.Nodes.Dns;
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
        var planFile = repo.ReadText(ProviderRepository.PlanFile)
            ?? throw new UserException($"no {ProviderRepository.PlanFile}: run `hostenv-provider plan` first");
        var (typed, plan) = Provider.Nodes.Fleet.FleetAccess.Load(args.RepoDir);
        if (args.Node is { } only && !typed.Nodes.ContainsKey(only))
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
        var cloudflareFailed = false;
        if (args.Cloudflare && args.DryRun)
        {
            console.Error.WriteLine("dry run: Cloudflare records are not changed.");
        }
        else if (args.Cloudflare && decisions.Any(d => !d.IsOk))
        {
            (decisions, cloudflareFailed) = await CloudflareAsync(args, repo, typed.Cloudflare, targets, decisions, resolver, console, ct);
        }

        // Every node this run looked at counts as gated, also one with no vhost: nothing to check is a passed gate.
        GateApplier.Apply(plan, decisions.Select(GateRecord.From), GateStamp.NodesOf(plan, args.Node));
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
        if (cloudflareFailed)
        {
            console.Error.WriteLine("Cloudflare reported errors (above); the vhosts it could not fix stay gated.");
        }

        var gated = decisions.Count(d => d.Status != GateStatus.Ok);
        console.Error.WriteLine($"{decisions.Length} vhost(s) checked, {gated} gated (HTTP only until DNS points at the node); {resolver.QueriesSent} DNS queries. " +
            (wrote ? $"Wrote {ProviderRepository.PlanFile}." : "The plan already reflected DNS; nothing changed."));
        return cloudflareFailed ? ExitCodes.Error : ExitCodes.Success;
    }

    /// <summary>
    /// Upserts a managed CNAME for each failing vhost inside the zone, waits for DNS with the design's backoff,
    /// and returns the decisions after the re-check. Unmanaged conflicting records are never touched without --adopt.
    /// </summary>
    private static async Task<(ImmutableArray<GateDecision> Decisions, bool Failed)> CloudflareAsync(
        DnsGateArguments args, ProviderRepository repo, Provider.Planning.Plan.CloudflarePlan cf, ImmutableArray<GateTarget> targets,
        ImmutableArray<GateDecision> decisions, VhostResolver resolver, CliConsole console, CancellationToken ct)
    {
        var zoneId = cf.ZoneId ?? Environment.GetEnvironmentVariable("CF_ZONE_ID")
            ?? throw new UserException("--cloudflare needs a zone: set cloudflare.zoneId in provider.yaml or CF_ZONE_ID");
        var token = new CloudflareApiToken(ResolveToken(repo, cf, args.CfToken));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var options = new CloudflareClientOptions();
        if (args.CfApi is { } api)
        {
            options = options with { BaseAddress = new Uri(api.EndsWith('/') ? api : api + "/") };
        }

        var client = new CloudflareClient(http, token, options);
        CloudflareZone zone;
        try
        {
            zone = await client.GetZoneAsync(zoneId, ct);
        }
        catch (CloudflareApiException ex)
        {
            console.Error.WriteLine("error HP3001 [cloudflare]: " + ex.Message);
            return (decisions, true);
        }

        var requests = decisions.Where(d => !d.IsOk).Select(d => new GateRequest(d.Vhost, d.ExpectedHost,
            [.. targets.First(t => t.Node == d.Node && t.Vhost == d.Vhost).DeclaredAddresses.Select(a => a.ToString())])).ToList();
        var outcomes = await new CloudflareUpserter(client, zone, new CloudflareUpsertOptions { Adopt = args.Adopt }).UpsertAsync(requests, ct);
        foreach (var o in outcomes)
        {
            var blocking = o.Records.IsDefaultOrEmpty ? "" : " [" + string.Join("; ", o.Records.Select(r => $"{r.Type} {r.Content} id {r.Id}")) + "]";
            console.Error.WriteLine($"  cloudflare {o.Vhost}: {o.Status}{(o.Adopted ? " (adopted)" : "")}: {o.Message}{blocking}");
        }

        var fixedNow = outcomes.Where(o => o.Status is UpsertStatus.Created or UpsertStatus.Updated or UpsertStatus.Unchanged).Select(o => o.Vhost).ToHashSet(StringComparer.Ordinal);
        var pending = requests.Where(r => fixedNow.Contains(r.Vhost)).ToList();
        if (pending.Count > 0)
        {
            var waited = await new PropagationWaiter(TimeProvider.System).WaitAsync(pending, resolver.CheckAsync, ct);
            console.Error.WriteLine($"  cloudflare: re-checked DNS {waited.Checks} time(s) over {waited.Waited.TotalSeconds:0} s");
            var after = waited.Decisions.ToDictionary(d => d.Vhost, StringComparer.Ordinal);
            decisions = [.. decisions.Select(d => after.TryGetValue(d.Vhost, out var n) ? n with { Node = d.Node, ExpectedHost = d.ExpectedHost } : d)];
        }

        return (decisions, outcomes.Any(o => o.Status == UpsertStatus.Error));
    }

    /// <summary>--cf-token, else the provider's token file, else its token variable, else CF_API_TOKEN. Never printed.</summary>
    private static string ResolveToken(ProviderRepository repo, Provider.Planning.Plan.CloudflarePlan cf, string? flag)
    {
        if (!string.IsNullOrEmpty(flag))
        {
            return flag;
        }

        if (cf.ApiTokenFile is { } file)
        {
            var path = Path.IsPathRooted(file) ? file : repo.FullPath(file);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : throw new UserException($"cloudflare.apiTokenFile {file} does not exist");
        }

        var variable = cf.ApiTokenEnv ?? "CF_API_TOKEN";
        return Environment.GetEnvironmentVariable(variable) ?? Environment.GetEnvironmentVariable("CF_API_TOKEN")
            ?? throw new UserException($"--cloudflare needs a token: pass --cf-token, set cloudflare.apiTokenFile, or ${variable}");
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
