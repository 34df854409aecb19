using System.Collections.Immutable;
using Provider.Nodes.Apply;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Nodes.Ssh;
using Provider.Planning.Diagnostics;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Fleet;

/// <summary>One node of the registry (nodes/&lt;name&gt;/node.yaml) and what the plan puts on it.</summary>
public sealed record NodeListing(
    string Name,
    string Address,
    int Port,
    string User,
    string? HostKeyFingerprint,
    ImmutableArray<string> Addresses,
    bool InPlan,
    ImmutableArray<string> Environments)
{
    /// <summary>How to reach the node over SSH (its pinned host key included), for reading its generation.</summary>
    public required SshTarget Target { get; init; }
}

/// <summary>The system generation a node reported, or why it could not be asked.</summary>
public sealed record NodeGenerationReport(bool Reachable, int? Number, string? Id, string? Error);

/// <summary>
/// Whether nodes/&lt;name&gt; can be forgotten: the inputs must plan cleanly with the node and without it. Blockers are the
/// enabled environments the plan puts on it and the planner's errors when it is gone (an environment's `node:`, a
/// `nodeFor` entry), each positioned in its file. Reservations of gone environments that still name the node are reported,
/// not blocking: `state prune --offline` releases them. FormerUsers are the environment users the state says ran there
/// (gone environments, and environments that moved away), for the operator's clean-up of the server; MovedAway are the
/// environments whose plan names the node as previousNode (deploy them on their new node before retiring the server).
/// </summary>
public sealed record NodeRemovalCheck(
    string Node,
    ImmutableArray<Diagnostic> InputErrors,
    ImmutableArray<PlannedEnvironment> PlacedEnvironments,
    ImmutableArray<Diagnostic> ErrorsWithoutNode,
    ImmutableArray<string> StaleReservations,
    ImmutableArray<string> FormerUsers,
    ImmutableArray<string> MovedAway)
{
    public bool CanRemove => InputErrors.IsEmpty && PlacedEnvironments.IsEmpty && ErrorsWithoutNode.IsEmpty;
}

/// <summary>The host registry behind `node list` and `node remove` (`node add` writes it, `node check` probes it).</summary>
public static class NodeRegistry
{
    /// <summary>Every node in nodes/, with the environments generated/plan.json (if any) puts on it.</summary>
    public static (ImmutableArray<NodeListing> Nodes, ImmutableArray<Diagnostic> Diagnostics) List(ProviderRepository repo, FleetPlan? plan)
    {
        var (configs, deployUser, diagnostics) = NodeInventory.Load(repo);
        var listings = configs.Select(c =>
        {
            var planned = plan?.Nodes.GetValueOrDefault(c.Name);
            ImmutableArray<string> envs = [.. (planned?.Environments ?? []).Order(StringComparer.Ordinal)];
            return new NodeListing(c.Name, c.Address, c.Port, c.User ?? deployUser, Fingerprint(c.HostKey), c.Addresses, planned is not null, envs)
            {
                Target = NodeInventory.Target(c, deployUser),
            };
        });
        return ([.. listings], diagnostics);
    }

    /// <summary>The node's current system generation, over one SSH connection with its pinned host key.</summary>
    public static async Task<NodeGenerationReport> ReadGenerationAsync(SshTarget target, string key, CancellationToken ct)
    {
        try
        {
            await using var session = await SshNodeSession.ConnectAsync(target, key, ct);
            var history = await GenerationHistory.ReadAsync(session, ct);
            var current = history.Generations.FirstOrDefault(g => g.IsCurrent);
            return new NodeGenerationReport(true, current?.Number, history.Current, null);
        }
        catch (Exception ex) when (ex is NodeConnectionException or DeployStepException)
        {
            return new NodeGenerationReport(false, null, null, ex.Message);
        }
    }

    /// <summary>Plans the inputs as they are and as they would be without the node (nothing is written).</summary>
    public static async Task<NodeRemovalCheck> CheckRemovalAsync(ProviderRepository repo, string node, GitSource git, CancellationToken ct)
    {
        var (input, loadDiagnostics) = await repo.LoadPlanInputAsync(git, ct);
        var now = input is null ? null : FleetPlanner.Plan(input);
        ImmutableArray<Diagnostic> inputErrors = [.. loadDiagnostics.Concat(now?.Diagnostics ?? []).Where(d => d.IsError)];
        if (input is null || now?.Fleet is null || !inputErrors.IsEmpty)
        {
            return new NodeRemovalCheck(node, inputErrors.IsEmpty ? loadDiagnostics : inputErrors, [], [], [], [], []);
        }

        var without = FleetPlanner.Plan(input with { Nodes = [.. input.Nodes.Where(n => n.Name != node)] });
        return new NodeRemovalCheck(
            node,
            [],
            [.. now.Fleet.Environments.Where(e => e.Enabled && e.Node == node).OrderBy(e => e.UserName, StringComparer.Ordinal)],
            [.. without.Diagnostics.Where(d => d.IsError)],
            [.. now.Fleet.State.Entries.Values.Where(e => e.Node == node).Select(e => e.UserName)
                .Except(now.Fleet.Environments.Select(e => e.UserName), StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            [.. now.Fleet.State.Entries.Values.Where(e => e.Node == node || e.PreviousNode == node).Select(e => e.UserName).Order(StringComparer.Ordinal)],
            [.. now.Fleet.Environments.Where(e => e.PreviousNode == node).Select(e => $"{e.UserName} (now on {e.Node})").Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Deletes nodes/&lt;name&gt;/ from the provider repo. node.yaml goes first, in one unlink: that is what makes the
    /// directory a node, so an interruption never leaves half a node that still plans.
    /// </summary>
    public static void Remove(ProviderRepository repo, string node)
    {
        File.Delete(repo.FullPath($"nodes/{node}/node.yaml"));
        Directory.Delete(repo.FullPath($"nodes/{node}"), recursive: true);
    }

    private static string? Fingerprint(string? hostKey)
    {
        if (hostKey is null)
        {
            return null;
        }

        try
        {
            return HostKeyPin.Parse(hostKey).Fingerprint;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
