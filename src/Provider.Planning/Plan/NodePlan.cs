using System.Collections.Immutable;
using System.Text.Json;
using Provider.Planning.Gate;

namespace Provider.Planning.Plan;

/// <summary>plan.nodes.&lt;node&gt;: one node's system layer, with what deploy and dns-gate decide from typed.</summary>
/// <param name="Environments">The userNames of the enabled environments on the node, in ordinal order.</param>
/// <param name="DnsGate">The mark dns-gate left on the node (<see cref="GateStamp"/>); null when it was never gated.</param>
/// <param name="VirtualHosts">services.nginx.virtualHosts by name.</param>
/// <param name="Raw">
/// The whole node object exactly as read, read-only. Only for the node renderer (<c>NodeRenderer.Render</c>),
/// which turns the entire system model (nginx locations and headers, upstreams, users, runtime dirs, slices,
/// ACME) into files and would otherwise need every NixOS-style option typed here. Everything else reads the
/// typed members. <c>JsonObject.Create(Raw)</c> gives a private, mutable copy if a JsonObject is needed.
/// </param>
public sealed record NodePlan(
    string Name,
    string CanonicalName,
    string Address,
    ImmutableArray<string> Addresses,
    int ConfirmTimeoutSeconds,
    bool MagicRollback,
    ImmutableArray<string> Environments,
    NodeGateStamp? DnsGate,
    ImmutableSortedDictionary<string, NodeVhost> VirtualHosts,
    JsonElement Raw)
{
    /// <summary>plan.nodes.&lt;node&gt;.containers: the node hosts compose environments, so it needs the container engine.</summary>
    public bool Containers { get; init; }

    /// <summary>runtimes: what the node's environments need installed (app.preset), e.g. nodejs, python3; empty when none.</summary>
    public ImmutableArray<string> Runtimes { get; init; } = [];
}

/// <summary>plan.nodes.&lt;node&gt;.dnsGate: the fingerprint of what dns-gate checked for the node.</summary>
public sealed record NodeGateStamp(string VhostsHash);

/// <summary>A vhost the node serves, after the DNS gate: TLS is off while <see cref="DnsGate"/> says DNS points elsewhere.</summary>
public sealed record NodeVhost(string Name, string Owner, bool EnableAcme, bool ForceSsl, VhostGate? DnsGate);

/// <summary>The gate's record on a vhost whose DNS did not point at its node: what was seen, why, and what the planner wanted.</summary>
public sealed record VhostGate(GateStatus Status, string Expected, ImmutableArray<string> Observed, string Reason, PlannedTls Planned)
{
    /// <summary>The verdict as <see cref="GateApplier"/> takes it.</summary>
    public GateRecord ToRecord(string node, string vhost) => new(node, vhost, Expected, Status, Observed, Reason);
}

/// <summary>The TLS settings the planner gave the vhost before the gate turned them off (restored when DNS is right).</summary>
public sealed record PlannedTls(bool EnableAcme, bool ForceSsl, string? Hsts);
