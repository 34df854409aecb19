using System.Collections.Immutable;
using Provider.Monitor.Storage;

namespace Provider.Monitor.Web.Api;

/// <summary>GET /api/fleet: every node's newest snapshot and counts for a summary line.</summary>
public sealed record FleetResponse(DateTimeOffset GeneratedAt, double IntervalSeconds, FleetSummary Summary, ImmutableArray<NodeSnapshot> Nodes)
{
    public static FleetResponse From(ImmutableArray<NodeSnapshot> nodes, DateTimeOffset now, TimeSpan interval) =>
        new(now, interval.TotalSeconds, FleetSummary.From(nodes), nodes);
}

/// <summary>Node reachability and environment health, counted over the fleet's newest snapshots.</summary>
public sealed record FleetSummary(int Nodes, int Reachable, int Unreachable, HealthCounts Environments)
{
    public static FleetSummary From(ImmutableArray<NodeSnapshot> nodes)
    {
        var reachable = nodes.Count(n => n.Reachable);
        return new(nodes.Length, reachable, nodes.Length - reachable, HealthCounts.From(nodes.SelectMany(n => n.Environments).Select(e => e.Health)));
    }
}

public sealed record HealthCounts(int Healthy, int Degraded, int Down, int Unknown, int NotDeployed)
{
    public static HealthCounts From(IEnumerable<Health> healths)
    {
        var list = healths.ToList();
        int Of(Health h) => list.Count(x => x == h);
        return new(Of(Health.Healthy), Of(Health.Degraded), Of(Health.Down), Of(Health.Unknown), Of(Health.NotDeployed));
    }
}

/// <summary>GET /api/nodes/{node}: the newest snapshot and the recent ones as resource points, newest first.</summary>
public sealed record NodeResponse(NodeSnapshot Node, ImmutableArray<ResourcePoint> Resources);

/// <summary>A node's resources at one collection (the charts' data).</summary>
public sealed record ResourcePoint(
    DateTimeOffset CollectedAt,
    bool Reachable,
    double? Load1,
    double? Load5,
    double? Load15,
    long? MemTotalBytes,
    long? MemAvailableBytes,
    long? DiskTotalBytes,
    long? DiskFreeBytes,
    long? InodesTotal,
    long? InodesFree)
{
    public static ResourcePoint From(NodeSnapshot s) => new(
        s.CollectedAt, s.Reachable, s.Load1, s.Load5, s.Load15, s.MemTotalBytes, s.MemAvailableBytes, s.DiskTotalBytes, s.DiskFreeBytes, s.InodesTotal, s.InodesFree);
}

/// <summary>GET /api/history: deploy events, newest first.</summary>
public sealed record HistoryResponse(ImmutableArray<DeployEvent> Events);

/// <summary>GET /api/rates: requests and 5xx answers per minute since a time, oldest first as the store gives them.</summary>
public sealed record RatesResponse(string? Node, string? Vhost, DateTimeOffset Since, ImmutableArray<RequestBucket> Buckets);

/// <summary>The data of an /api/events "cycle" event.</summary>
public sealed record CycleEvent(string Node);
