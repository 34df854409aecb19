using System.Collections.Concurrent;
using System.Collections.Immutable;
using Provider.Nodes.Apply;
using Provider.Nodes.Diagnostics;
using Provider.Nodes.Fleet;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Planning.Planner;

namespace Provider.Nodes.Engine;

/// <summary>
/// What a deploy acts on, settled before any node is touched: the nodes and environments it selects, the release of
/// each environment that ships one (a dirty working tree or a missing commit stops the run here), and a plan that is
/// not stale (re-planning the inputs gives the plan's inputsHash).
/// </summary>
public sealed record DeploySelection(ImmutableArray<string> Nodes, ImmutableDictionary<string, ImmutableArray<string>> Environments,
    ImmutableDictionary<string, ReleaseFiles> Releases)
{
    public ImmutableArray<string> EnvironmentsOf(string node) => Environments.GetValueOrDefault(node, []);

    public static async Task<DeploySelection> PrepareAsync(FleetAccess fleet, DeployRequest request, CancellationToken ct)
    {
        var plan = fleet.Plan;
        // Re-planning (the stale check) and reading the release sources are independent local work: they run at
        // the same time, and both finish before any node is touched.
        var staleCheck = Task.Run(() => RefuseStalePlanAsync(new ProviderRepository(fleet.RepoDir), plan.InputsHash, ct), ct);
        var onlyEnv = request.Env is null ? null : fleet.Environment(request.Env).UserName;
        var nodes = NodesFor(fleet, request);
        var envsByNode = nodes.ToImmutableDictionary(n => n, n => plan.Nodes[n].Environments
            .Where(e => onlyEnv is null || e == onlyEnv).Order(StringComparer.Ordinal).ToImmutableArray(), StringComparer.Ordinal);
        ImmutableDictionary<string, ReleaseFiles> releases;
        try
        {
            releases = request.SystemOnly ? ImmutableDictionary<string, ReleaseFiles>.Empty : await LoadReleasesAsync(fleet, envsByNode, request.AllowDirty, ct);
        }
        catch (OperationRefusedException)
        {
            await staleCheck; // a stale plan is the first thing to fix: report it rather than the source's problem
            throw;
        }

        await staleCheck;
        if (nodes.IsEmpty && request.Node is not null)
        {
            throw new OperationRefusedException($"node '{request.Node}' is not in the plan");
        }

        return new DeploySelection(nodes, envsByNode, releases);
    }

    /// <summary>The nodes a request selects, in plan order (known before anything is read: early logins use it).</summary>
    public static ImmutableArray<string> NodesFor(FleetAccess fleet, DeployRequest request)
    {
        var plan = fleet.Plan;
        var onlyEnv = request.Env is null ? null : fleet.Environment(request.Env).UserName;
        return [.. plan.Nodes.Keys
            .Where(n => request.Node is null || n == request.Node)
            .Where(n => onlyEnv is null || plan.Environments[onlyEnv].Node == n)];
    }

    /// <summary>One read per source (environments of one project share it), the sources in parallel.</summary>
    private static async Task<ImmutableDictionary<string, ReleaseFiles>> LoadReleasesAsync(FleetAccess fleet,
        ImmutableDictionary<string, ImmutableArray<string>> envsByNode, bool allowDirty, CancellationToken ct)
    {
        using var phase = Timeline.Phase("release sources: list and hash");
        var environments = fleet.Plan.Environments;
        var git = new GitSource(GitSource.DefaultCacheRoot());
        var wanted = envsByNode.Values.SelectMany(e => e)
            .Where(env => environments[env].App?.ShipsRelease == true)
            .GroupBy(env => environments[env].Source).ToList();
        var loaded = new ConcurrentDictionary<string, ReleaseFiles>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (group, token) =>
        {
            try
            {
                var files = await ReleaseFiles.LoadAsync(fleet.RepoDir, group.Key, git, allowDirty, token);
                foreach (var env in group)
                {
                    loaded[env] = files;
                }
            }
            catch (ReleaseSourceException ex)
            {
                throw new OperationRefusedException($"{string.Join(", ", group)}: {ex.Message}");
            }
        });
        return loaded.ToImmutableDictionary(StringComparer.Ordinal);
    }

    /// <summary>A plan whose inputsHash no longer matches the inputs would deploy something nobody reviewed.</summary>
    private static async Task RefuseStalePlanAsync(ProviderRepository repo, string planInputsHash, CancellationToken ct)
    {
        var cacheRoot = GitSource.DefaultCacheRoot();
        if (InputsCache.TryInputsHash(repo, cacheRoot) == planInputsHash)
        {
            Timeline.Mark("stale check: inputs unchanged since a re-plan gave the plan's inputsHash (cache hit)");
            return; // a mismatch or a miss takes the full check below, with its own messages
        }

        using var phase = Timeline.Phase("stale check: load inputs and re-plan");
        var reads = new List<InputRead>();
        repo.Reads = reads;
        var (input, diagnostics) = await repo.LoadPlanInputAsync(new GitSource(cacheRoot), ct);
        repo.Reads = null;
        Timeline.Mark("stale check: inputs loaded");
        var replanned = input is null ? null : FleetPlanner.Plan(input);
        if (replanned?.Fleet is null || diagnostics.Any(d => d.IsError))
        {
            throw new OperationRefusedException("the inputs do not plan cleanly; fix them and run `hostenv-provider plan` first",
                [.. diagnostics.Concat(replanned?.Diagnostics ?? [])]);
        }

        if (replanned.Fleet.InputsHash != planInputsHash)
        {
            throw new OperationRefusedException("generated/plan.json is stale: the inputs changed since it was written; run `hostenv-provider plan` (and dns-gate) first");
        }

        InputsCache.Store(repo, cacheRoot, reads, planInputsHash);
    }
}
