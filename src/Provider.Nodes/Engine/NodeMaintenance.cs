using System.Collections.Immutable;
using Provider.Nodes.Fleet;
using Provider.Nodes.Locking;
using Provider.Nodes.Repository;
using Provider.Nodes.Ssh;
using Provider.Planning.Diagnostics;

namespace Provider.Nodes.Engine;

/// <summary>`node check` and `node bootstrap` for every front end: the nodes of nodes/ (read without planning).</summary>
public static class NodeMaintenance
{
    /// <summary>Probes every node (or one) in parallel; node.yaml errors come back as diagnostics, nothing probed then.</summary>
    public static async Task<(ImmutableArray<NodeHealth> Results, ImmutableArray<Diagnostic> Diagnostics)> CheckAsync(string repoDir, string? name, string? identity,
        TimeProvider clock, CancellationToken ct)
    {
        var (nodes, deployUser, diagnostics) = NodeInventory.Load(new ProviderRepository(repoDir));
        if (diagnostics.Any(d => d.IsError))
        {
            return ([], diagnostics);
        }

        var selected = nodes.Where(n => name is null || n.Name == name).ToList();
        if (selected.Count == 0)
        {
            throw new OperationRefusedException(name is null ? "no nodes in nodes/; add one with `hostenv-provider node add`" : $"no node '{name}' in nodes/");
        }

        var key = SshKeyLocator.Locate(identity);
        var planned = PlannedNeeds(repoDir);
        return ([.. await Task.WhenAll(selected.Select(n => NodeProbe.CheckAsync(NodeInventory.Target(n, deployUser), key, clock, ct,
            planned.GetValueOrDefault(n.Name).Containers, planned.GetValueOrDefault(n.Name).Runtimes)))], diagnostics);
    }

    /// <summary>Installs and enables what deploy needs on one node, under its lock (a second run changes nothing).</summary>
    public static async Task<ImmutableArray<BootstrapStep>> BootstrapAsync(string repoDir, string name, string? identity, bool forceUnlock, Action<string> progress,
        CancellationToken ct)
    {
        var (nodes, deployUser, diagnostics) = NodeInventory.Load(new ProviderRepository(repoDir));
        var node = nodes.FirstOrDefault(n => n.Name == name)
            ?? throw new OperationRefusedException($"no node '{name}' in nodes/" + (diagnostics.Any(d => d.IsError) ? " (or its node.yaml has errors)" : ""));
        await using var session = await SshNodeSession.ConnectAsync(NodeInventory.Target(node, deployUser), SshKeyLocator.Locate(identity), ct);
        // Bootstrap changes the node, so it takes the node lock like every deploy-type command.
        await using var nodeLock = await NodeLocking.TakeAsync(session, "node bootstrap " + node.Name, forceUnlock, progress, ct);
        var needs = PlannedNeeds(repoDir).GetValueOrDefault(node.Name);
        return await NodeBootstrapper.RunAsync(session, ct, needs.Containers, needs.Runtimes);
    }

    /// <summary>
    /// What generated/plan.json says each node needs beyond the base packages: the container engine (compose
    /// environments) and runtimes (app.preset). Nothing before the first plan, so bootstrap and check still work on a new
    /// fleet (a node missing here gets default: no containers, no runtimes). A plan that cannot be read is refused as
    /// every plan-reading command refuses it.
    /// </summary>
    private static ImmutableDictionary<string, (bool Containers, ImmutableArray<string> Runtimes)> PlannedNeeds(string repoDir)
    {
        if (new ProviderRepository(repoDir).ReadText(ProviderRepository.PlanFile) is not { } text)
        {
            return ImmutableDictionary<string, (bool, ImmutableArray<string>)>.Empty;
        }

        return FleetAccess.Parse(text.Text).Plan.Nodes.ToImmutableDictionary(n => n.Key, n => (n.Value.Containers, n.Value.Runtimes), StringComparer.Ordinal);
    }
}
