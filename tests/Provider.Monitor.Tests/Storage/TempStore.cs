using System.Collections.Immutable;
using Provider.Monitor.Storage;

namespace Provider.Monitor.Tests.Storage;

/// <summary>A real SQLite file in a fresh temp directory, deleted with the store.</summary>
internal sealed class TempStore : IAsyncDisposable
{
    public static readonly CancellationToken None = CancellationToken.None;

    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private TempStore(string directory, SqliteMonitorStore store)
    {
        Directory = directory;
        Store = store;
    }

    public string Directory { get; }

    public string DbPath => Path.Combine(Directory, "monitor.db");

    public SqliteMonitorStore Store { get; private set; }

    /// <summary>The clock the store sees: T0 plus whatever a test adds.</summary>
    public static TimeProvider Clock { get; } = new FixedClock(T0);

    public static async Task<TempStore> CreateAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "monitor-store-" + Guid.NewGuid().ToString("N"));
        var store = await SqliteMonitorStore.OpenAsync(Path.Combine(dir, "db", "monitor.db"), CancellationToken.None, Clock);
        return new TempStore(Path.Combine(dir, "db"), store);
    }

    /// <summary>Closes and opens the same file again.</summary>
    public async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        Store = await SqliteMonitorStore.OpenAsync(DbPath, CancellationToken.None, Clock);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        System.IO.Directory.Delete(Path.GetDirectoryName(Directory) ?? Directory, recursive: true);
    }

    public static LogLine Line(string message, string node = "node-a", string? environment = "shop", string source = "journal:shop",
        int level = 6, int? status = null, DateTimeOffset? time = null) =>
        new(node, environment, source, time ?? T0, level, message, status);

    public static NodeSnapshot Snapshot(string node, DateTimeOffset at, double load = 0.5) =>
        new(node, at, true, null, "gen-1", 1, load, 0.4, 0.3, 8L << 30, 4L << 30, 100L << 30, 50L << 30, 1000, 900,
            ["broken.service"], [new CertificateInfo("shop.example", at.AddDays(60), false)],
            [new EnvironmentSnapshot("shop", "web", "r1", "abc123", "blue", "shop-blue.service", 200, Health.Healthy, at.AddHours(-1), "ok")],
            [new GenerationEntry(1, "gen-1", true)]);

    public static NodeCycle Cycle(string node, DateTimeOffset at, IEnumerable<LogLine>? lines = null,
        IEnumerable<DeployEvent>? history = null, params (string Key, string Value)[] cursors) =>
        new(Snapshot(node, at), [.. history ?? []], [.. lines ?? []],
            cursors.ToImmutableSortedDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal));

    public Task RecordAsync(params LogLine[] lines) => Store.RecordCycleAsync(Cycle("node-a", T0, lines), CancellationToken.None);

    public async Task<ImmutableArray<LogHit>> SearchAsync(LogQuery query) => (await Store.SearchLogsAsync(query, CancellationToken.None)).Hits;

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
