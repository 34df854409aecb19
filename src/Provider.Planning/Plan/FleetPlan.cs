using System.Collections.Immutable;

namespace Provider.Planning.Plan;

/// <summary>
/// generated/plan.json as the commands read it: what `plan` wrote (and `dns-gate` amended), typed.
/// <para>
/// <b>Consumers use this model, not JsonNode indexing.</b> Code that acts on the plan (deploy, status,
/// secrets, rollback, dns-gate, nodes build, the fleet service) gets a <see cref="FleetPlan"/> from
/// <see cref="PlanReader.Read"/> and reads typed members; it does not write <c>plan["nodes"]?[n]?["environments"]</c>.
/// The reader checks the whole file once, so a hand-edited, truncated or differently versioned plan fails
/// with one error that names the field and the fix, instead of a null deep inside a deploy. A later change
/// enforces this with a test. The only raw JSON left is <see cref="NodePlan.Raw"/>, for the node renderer.
/// </para>
/// <para>
/// These records mirror the file format (versioned by <see cref="PlanFormat"/>), not the input models in
/// Provider.Planning.Model, so that an input change cannot silently change what a plan file means.
/// Dictionaries are ordinal-sorted, as in the file.
/// </para>
/// </summary>
public sealed record FleetPlan(
    int PlanFormat,
    string InputsHash,
    string HostenvHostname,
    string DeployUser,
    CloudflarePlan Cloudflare,
    DeployDefaultsPlan Deploy,
    ImmutableSortedDictionary<string, NodeConnection> NodeConnections,
    ImmutableSortedDictionary<string, EnvironmentPlan> Environments,
    ImmutableSortedDictionary<string, NodePlan> Nodes)
{
    /// <summary>The environments <paramref name="node"/> serves, in the node's order; empty for a node not in the plan.</summary>
    public ImmutableArray<EnvironmentPlan> EnvironmentsOn(string node) =>
        Nodes.TryGetValue(node, out var n)
            ? [.. n.Environments.Select(e => Environments.GetValueOrDefault(e)).OfType<EnvironmentPlan>()]
            : [];
}

/// <summary>plan.cloudflare: whether dns-gate may upsert records, the zone, and where the token is (never the token).</summary>
public sealed record CloudflarePlan(bool Enable, string? ZoneId, string? ApiTokenFile, string? ApiTokenEnv);

/// <summary>plan.deploy: the provider's deploy defaults.</summary>
public sealed record DeployDefaultsPlan(int KeepReleases, int Parallel);

/// <summary>plan.nodeConnections.&lt;node&gt;: how deploy reaches a node over SSH.</summary>
public sealed record NodeConnection(string Node, string Hostname, int Port, string User, string? HostKey);
