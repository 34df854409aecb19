using System.Collections.Immutable;
using Provider.Monitor.Storage;

namespace Provider.Monitor.Tests.Storage;

/// <summary>
/// A monitor store on a fresh database, deleted with it: a real SQLite file in a temp directory, or (CreatePostgresAsync)
/// a database of its own on the PostgreSQL test server.
/// </summary>
public sealed class TempStore : IAsyncDisposable
{
    public static readonly CancellationToken None = CancellationToken.None;

    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string? directory;
    private readonly PgTestDatabase? postgres;

    private TempStore(IMonitorStore store, string? directory, PgTestDatabase? postgres)
    {
        this.directory = directory;
        this.postgres = postgres;
        Store = store;
    }

    /// <summary>SQLite only: the directory of the file.</summary>
    public string Directory => directory ?? throw new InvalidOperationException("Not an SQLite store.");

    public string DbPath => Path.Combine(Directory, "monitor.db");

    public IMonitorStore Store { get; private set; }

    public SqliteMonitorStore Sqlite => Store as SqliteMonitorStore ?? throw new InvalidOperationException("Not an SQLite store.");

    /// <summary>The clock the store sees: T0 plus whatever a test adds.</summary>
    public static TimeProvider Clock { get; } = new FixedClock(T0);

    public static async Task<TempStore> CreateAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "monitor-store-" + Guid.NewGuid().ToString("N"));
        var store = await SqliteMonitorStore.OpenAsync(Path.Combine(dir, "db", "monitor.db"), CancellationToken.None, Clock);
        return new TempStore(store, Path.Combine(dir, "db"), null);
    }

    public static async Task<TempStore> CreatePostgresAsync()
    {
        var db = await PgTestDatabase.CreateAsync();
        try
        {
            return new TempStore(await PostgresMonitorStore.OpenAsync(db.ConnectionString, CancellationToken.None, Clock), null, db);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes and opens the same file again (SQLite).</summary>
    public async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        Store = await SqliteMonitorStore.OpenAsync(DbPath, CancellationToken.None, Clock);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }

        if (directory is not null)
        {
            System.IO.Directory.Delete(Path.GetDirectoryName(directory) ?? directory, recursive: true);
        }
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
