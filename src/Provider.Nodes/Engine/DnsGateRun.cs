using System.Collections.Immutable;
using System.Net;
using System.Text;
using Provider.Nodes.Cloudflare;
using Provider.Nodes.Dns;
using Provider.Nodes.Fleet;
using Provider.Nodes.Repository;
using Provider.Planning.Gate;
using Provider.Planning.Output;
using Provider.Planning.Plan;

namespace Provider.Nodes.Engine;

/// <summary>What `dns-gate` is asked to do (DESIGN §6).</summary>
public sealed record DnsGateRequest(string? Node, bool DryRun, ImmutableArray<IPEndPoint> Nameservers, bool Cloudflare = false, bool Adopt = false,
    string? CfToken = null, string? CfApi = null);

/// <summary>A gate run as data: the verdicts, the plan diff it made (or would make), whether it wrote, what Cloudflare said.</summary>
public sealed record DnsGateResult(ImmutableArray<GateDecision> Decisions, string Diff, bool Wrote, bool CloudflareFailed, int QueriesSent);

/// <summary>
/// `dns-gate`: resolves every vhost of the plan's nodes (or one), optionally upserts managed Cloudflare records for the
/// failing ones and re-checks with the design's backoff, then records the verdicts and stamps every node it looked at in
/// generated/plan.json (atomically, only when it changes; never with DryRun).
/// </summary>
public sealed class DnsGateRun(string repoDir, Action<string> progress, TimeProvider clock)
{
    public async Task<DnsGateResult> RunAsync(DnsGateRequest args, CancellationToken ct)
    {
        var repo = new ProviderRepository(repoDir);
        var planFile = repo.ReadText(ProviderRepository.PlanFile)
            ?? throw new OperationRefusedException($"no {ProviderRepository.PlanFile}: run `hostenv-provider plan` first");
        var (typed, plan) = FleetAccess.Parse(planFile.Text);
        if (args.Node is { } only && !typed.Nodes.ContainsKey(only))
        {
            throw new OperationRefusedException($"node '{only}' is not in the plan");
        }

        var targets = GateTargets.From(plan, args.Node);
        var resolver = new VhostResolver(ResolverOptions.Default with { Nameservers = args.Nameservers });
        var observations = await resolver.ResolveAsync(targets.Select(t => t.Vhost).Concat(targets.Select(t => t.ExpectedHost)), ct);
        var decisions = targets.Select(t => GateDecider.Decide(t.Node, t.ExpectedHost, t.DeclaredAddresses,
            observations[GateDecider.Normalise(t.ExpectedHost)], observations[GateDecider.Normalise(t.Vhost)])).ToImmutableArray();
        var cloudflareFailed = false;
        if (args.Cloudflare && args.DryRun)
        {
            progress("dry run: Cloudflare records are not changed.");
        }
        else if (args.Cloudflare && decisions.Any(d => !d.IsOk))
        {
            (decisions, cloudflareFailed) = await CloudflareAsync(args, repo, typed.Cloudflare, targets, decisions, resolver, ct);
        }

        // Every node this run looked at counts as gated, also one with no vhost: nothing to check is a passed gate.
        GateApplier.Apply(plan, decisions.Select(GateRecord.From), GateStamp.NodesOf(plan, args.Node));
        var updated = CanonicalJson.Serialize(plan);
        var diff = UnifiedDiff.Create("a/" + ProviderRepository.PlanFile, "b/" + ProviderRepository.PlanFile, planFile.Text, Encoding.UTF8.GetString(updated));
        var wrote = !args.DryRun && AtomicFile.WriteIfChanged(repo.FullPath(ProviderRepository.PlanFile), updated);
        return new DnsGateResult(decisions, diff, wrote, cloudflareFailed, resolver.QueriesSent);
    }

    /// <summary>
    /// Upserts a managed CNAME for each failing vhost inside the zone, waits for DNS with the design's backoff,
    /// and returns the decisions after the re-check. Unmanaged conflicting records are never touched without --adopt.
    /// </summary>
    private async Task<(ImmutableArray<GateDecision> Decisions, bool Failed)> CloudflareAsync(
        DnsGateRequest args, ProviderRepository repo, CloudflarePlan cf, ImmutableArray<GateTarget> targets,
        ImmutableArray<GateDecision> decisions, VhostResolver resolver, CancellationToken ct)
    {
        var zoneId = cf.ZoneId ?? Environment.GetEnvironmentVariable("CF_ZONE_ID")
            ?? throw new OperationRefusedException("--cloudflare needs a zone: set cloudflare.zoneId in provider.yaml or CF_ZONE_ID");
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
            progress("error HP3001 [cloudflare]: " + ex.Message);
            return (decisions, true);
        }

        var requests = decisions.Where(d => !d.IsOk).Select(d => new GateRequest(d.Vhost, d.ExpectedHost,
            [.. targets.First(t => t.Node == d.Node && t.Vhost == d.Vhost).DeclaredAddresses.Select(a => a.ToString())])).ToList();
        var outcomes = await new CloudflareUpserter(client, zone, new CloudflareUpsertOptions { Adopt = args.Adopt }).UpsertAsync(requests, ct);
        foreach (var o in outcomes)
        {
            var blocking = o.Records.IsDefaultOrEmpty ? "" : " [" + string.Join("; ", o.Records.Select(r => $"{r.Type} {r.Content} id {r.Id}")) + "]";
            progress($"  cloudflare {o.Vhost}: {o.Status}{(o.Adopted ? " (adopted)" : "")}: {o.Message}{blocking}");
        }

        var fixedNow = outcomes.Where(o => o.Status is UpsertStatus.Created or UpsertStatus.Updated or UpsertStatus.Unchanged).Select(o => o.Vhost).ToHashSet(StringComparer.Ordinal);
        var pending = requests.Where(r => fixedNow.Contains(r.Vhost)).ToList();
        if (pending.Count > 0)
        {
            var waited = await new PropagationWaiter(clock).WaitAsync(pending, resolver.CheckAsync, ct);
            progress($"  cloudflare: re-checked DNS {waited.Checks} time(s) over {waited.Waited.TotalSeconds:0} s");
            var after = waited.Decisions.ToDictionary(d => d.Vhost, StringComparer.Ordinal);
            decisions = [.. decisions.Select(d => after.TryGetValue(d.Vhost, out var n) ? n with { Node = d.Node, ExpectedHost = d.ExpectedHost } : d)];
        }

        return (decisions, outcomes.Any(o => o.Status == UpsertStatus.Error));
    }

    /// <summary>--cf-token, else the provider's token file, else its token variable, else CF_API_TOKEN. Never printed.</summary>
    private static string ResolveToken(ProviderRepository repo, CloudflarePlan cf, string? flag)
    {
        if (!string.IsNullOrEmpty(flag))
        {
            return flag;
        }

        if (cf.ApiTokenFile is { } file)
        {
            var path = Path.IsPathRooted(file) ? file : repo.FullPath(file);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : throw new OperationRefusedException($"cloudflare.apiTokenFile {file} does not exist");
        }

        var variable = cf.ApiTokenEnv ?? "CF_API_TOKEN";
        return Environment.GetEnvironmentVariable(variable) ?? Environment.GetEnvironmentVariable("CF_API_TOKEN")
            ?? throw new OperationRefusedException($"--cloudflare needs a token: pass --cf-token, set cloudflare.apiTokenFile, or ${variable}");
    }
}
