using System.Collections.Immutable;

namespace Provider.Monitor.Storage;

/// <summary>How an environment looks from the monitor: green, amber (serving but something is off), red, or unknown/not deployed.</summary>
public enum Health
{
    Unknown = 0,
    Healthy = 1,
    Degraded = 2,
    Down = 3,
    NotDeployed = 4,
}

/// <summary>
/// One log line collected from a node. Source says where it came from: "journal:&lt;unit&gt;" (an app unit's journal),
/// "nginx-access:&lt;vhost&gt;" or "nginx-error:&lt;vhost&gt;". Level is the syslog priority (0 emerg .. 7 debug).
/// HttpStatus is set for nginx access lines (it feeds the request/error-rate charts).
/// </summary>
public sealed record LogLine(string Node, string? Environment, string Source, DateTimeOffset Time, int Level, string Message, int? HttpStatus = null);

/// <summary>A vhost's TLS certificate as read on the node (NotAfter null: none or unreadable; Placeholder: the self-signed stand-in before ACME).</summary>
public sealed record CertificateInfo(string Vhost, DateTimeOffset? NotAfter, bool Placeholder);

/// <summary>An environment's state on its node at one collection.</summary>
public sealed record EnvironmentSnapshot(
    string Environment,
    string Kind,
    string? Release,
    string? Rev,
    string? Slot,
    string? Service,
    int? HttpStatus,
    Health Health,
    DateTimeOffset? LastDeployTime,
    string? LastDeployOutcome);

/// <summary>One entry of a node's deploy history: an environment's deploy, or with Environment "(system)" a generation switch.</summary>
public sealed record DeployEvent(string Node, string Environment, DateTimeOffset Time, string Release, string Rev, string Outcome, double? Seconds);

/// <summary>A node's system generation as its generations.index lists it.</summary>
public sealed record GenerationEntry(int Number, string Id, bool Current);

/// <summary>What one collection cycle saw on one node. An unreachable node has Reachable false, Error set, and nothing else.</summary>
public sealed record NodeSnapshot(
    string Node,
    DateTimeOffset CollectedAt,
    bool Reachable,
    string? Error,
    string? Generation,
    int? GenerationNumber,
    double? Load1,
    double? Load5,
    double? Load15,
    long? MemTotalBytes,
    long? MemAvailableBytes,
    long? DiskTotalBytes,
    long? DiskFreeBytes,
    long? InodesTotal,
    long? InodesFree,
    ImmutableArray<string> FailedUnits,
    ImmutableArray<CertificateInfo> Certificates,
    ImmutableArray<EnvironmentSnapshot> Environments,
    ImmutableArray<GenerationEntry> Generations)
{
    public static NodeSnapshot Unreachable(string node, DateTimeOffset at, string error) =>
        new(node, at, false, error, null, null, null, null, null, null, null, null, null, null, null, [], [], [], []);
}

/// <summary>
/// Everything one cycle brings back from one node, stored in ONE transaction: the snapshot, the deploy history
/// (idempotent: an event already stored is not stored twice), the new log lines and the cursors after them. Because
/// lines and cursors commit together, a crash or a dropped connection can neither lose nor duplicate a line.
/// Cursors: source key → opaque value (a journald cursor, or "inode:offset" for a file).
/// </summary>
public sealed record NodeCycle(
    NodeSnapshot Snapshot,
    ImmutableArray<DeployEvent> History,
    ImmutableArray<LogLine> Lines,
    ImmutableSortedDictionary<string, string> Cursors);

/// <summary>A log search. Text is full-text (FTS5 syntax is not exposed: words are matched as given, all must occur); null lists everything.</summary>
public sealed record LogQuery(
    string? Text = null,
    string? Node = null,
    string? Environment = null,
    string? Source = null,
    int? MaxLevel = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = 100,
    long? BeforeId = null);

/// <summary>A found line: Highlighted is the message as HTML-safe text with the matches wrapped in &lt;mark&gt;.</summary>
public sealed record LogHit(long Id, LogLine Line, string Highlighted);

/// <summary>A page of hits, newest first; NextBeforeId continues with older lines (null: no more).</summary>
public sealed record LogPage(ImmutableArray<LogHit> Hits, long? NextBeforeId);

/// <summary>Requests and 5xx answers per minute for one vhost (or all: Vhost null), from nginx access lines.</summary>
public sealed record RequestBucket(DateTimeOffset Minute, int Requests, int Errors);

/// <summary>How much the store keeps: lines older than MaxAge go, then the oldest until at most MaxLines remain.</summary>
public sealed record RetentionPolicy(TimeSpan MaxAge, long MaxLines)
{
    /// <summary>14 days and 5 million lines (about 1.5 GB of SQLite with its full-text index; see benchmarks/).</summary>
    public static RetentionPolicy Default { get; } = new(TimeSpan.FromDays(14), 5_000_000);
}

/// <summary>What the monitor stores. SQLite is the embedded default; PostgreSQL comes with the deploy service (issue 13).</summary>
public interface IMonitorStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema (numbered migrations, each applied once, in a transaction).</summary>
    Task MigrateAsync(CancellationToken ct);

    /// <summary>The cursors stored for a node by its last committed cycle (empty for a node never collected).</summary>
    Task<ImmutableSortedDictionary<string, string>> GetCursorsAsync(string node, CancellationToken ct);

    /// <summary>Commits one node's cycle atomically (see NodeCycle).</summary>
    Task RecordCycleAsync(NodeCycle cycle, CancellationToken ct);

    /// <summary>The newest snapshot of every node ever collected, ordered by node name.</summary>
    Task<ImmutableArray<NodeSnapshot>> GetFleetAsync(CancellationToken ct);

    /// <summary>Snapshots of one node, newest first (for its page: resources over time).</summary>
    Task<ImmutableArray<NodeSnapshot>> GetNodeHistoryAsync(string node, int limit, CancellationToken ct);

    Task<LogPage> SearchLogsAsync(LogQuery query, CancellationToken ct);

    /// <summary>Deploy history, newest first, optionally for one node and/or environment.</summary>
    Task<ImmutableArray<DeployEvent>> GetHistoryAsync(string? node, string? environment, int limit, CancellationToken ct);

    Task<ImmutableArray<RequestBucket>> GetRequestRatesAsync(string? node, string? vhost, DateTimeOffset since, CancellationToken ct);

    /// <summary>Applies the policy, oldest first; returns how many lines went.</summary>
    Task<long> ApplyRetentionAsync(RetentionPolicy policy, CancellationToken ct);

    Task<long> CountLinesAsync(CancellationToken ct);
}
