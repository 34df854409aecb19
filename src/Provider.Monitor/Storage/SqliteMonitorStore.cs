using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Provider.Monitor.Storage.Sqlite;

namespace Provider.Monitor.Storage;

/// <summary>
/// The embedded monitor store: one SQLite file in WAL mode (readers never wait for the writer, nor it for them).
/// Thread safety: all writes go through ONE write connection guarded by a SemaphoreSlim (the collector's parallel node
/// cycles queue up; each cycle is one short transaction); every read opens its own read-only connection from the pool,
/// so the web server's reads run concurrently with each other and with the writer, each seeing a committed state.
/// Times are unix milliseconds UTC in the database (log line times thus lose sub-millisecond precision) and come back
/// with offset zero; snapshots are JSON and come back exactly as recorded.
/// </summary>
public sealed class SqliteMonitorStore : IMonitorStore
{
    private readonly string path;
    private readonly string readConnectionString;
    private readonly SqliteConnection writer;
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly TimeProvider time;
    private CycleWriter? cycleWriter;
    private int disposed;

    private SqliteMonitorStore(string path, SqliteConnection writer, string readConnectionString, TimeProvider time)
    {
        this.time = time;
        this.path = path;
        this.writer = writer;
        this.readConnectionString = readConnectionString;
        Jobs = new SqliteJobStore(this, time);
        Tokens = new SqliteTokenStore(this, time);
    }

    /// <summary>The deploy service's job queue, in the same file, sharing this store's connections and write gate.</summary>
    public SqliteJobStore Jobs { get; }

    /// <summary>API tokens and the audit log, in the same file, sharing this store's connections and write gate.</summary>
    public SqliteTokenStore Tokens { get; }

    /// <summary>The database file.</summary>
    public string Path => path;

    /// <summary>The schema version this build creates and upgrades to.</summary>
    public static int SchemaVersion => SqliteMigrations.LatestVersion;

    /// <summary>
    /// Opens (creating the file and its directory if needed) and migrates the database at path.
    /// Throws MonitorStoreVersionException for a database written by a newer build.
    /// The clock (default: the system's) only decides what retention's MaxAge cuts off.
    /// </summary>
    public static async Task<SqliteMonitorStore> OpenAsync(string path, CancellationToken ct, TimeProvider? time = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full) ?? ".");
        var writer = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            ForeignKeys = true,
        }.ToString());
        var read = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        try
        {
            await writer.OpenAsync(ct);
            await ExecuteAsync(writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;", ct);
            var store = new SqliteMonitorStore(full, writer, read, time ?? TimeProvider.System);
            await store.MigrateAsync(ct);
            return store;
        }
        catch
        {
            await writer.DisposeAsync();
            throw;
        }
    }

    public Task MigrateAsync(CancellationToken ct) =>
        WriteAsync(async c =>
        {
            await SqliteMigrations.MigrateAsync(c, path, ct);
            return 0;
        }, ct);

    public Task<ImmutableSortedDictionary<string, string>> GetCursorsAsync(string node, CancellationToken ct) =>
        ReadAsync(async c =>
        {
            await using var query = Command(c, "SELECT source_key, value FROM cursors WHERE node = $node", ("$node", node));
            await using var reader = await query.ExecuteReaderAsync(ct);
            var cursors = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            while (await reader.ReadAsync(ct))
            {
                cursors[reader.GetString(0)] = reader.GetString(1);
            }

            return cursors.ToImmutable();
        }, ct);

    public Task RecordCycleAsync(NodeCycle cycle, CancellationToken ct) =>
        WriteAsync(async c =>
        {
            cycleWriter ??= new CycleWriter(c);
            await cycleWriter.WriteAsync(c, cycle, ct);
            return 0;
        }, ct);

    public Task<ImmutableArray<NodeSnapshot>> GetFleetAsync(CancellationToken ct) =>
        ReadSnapshotsAsync("""
            SELECT (SELECT s.json FROM node_snapshots s WHERE s.node = n.node ORDER BY s.collected_at DESC, s.id DESC LIMIT 1)
            FROM nodes n ORDER BY n.node
            """, ct);

    public Task<ImmutableArray<NodeSnapshot>> GetNodeHistoryAsync(string node, int limit, CancellationToken ct) =>
        ReadSnapshotsAsync(
            "SELECT json FROM node_snapshots WHERE node = $node ORDER BY collected_at DESC, id DESC LIMIT $limit", ct,
            ("$node", node), ("$limit", limit));

    public Task<LogPage> SearchLogsAsync(LogQuery query, CancellationToken ct) =>
        ReadAsync(c => LogSearch.RunAsync(c, query, ct), ct);

    public Task<ImmutableArray<DeployEvent>> GetHistoryAsync(string? node, string? environment, int limit, CancellationToken ct) =>
        ReadAsync(async c =>
        {
            var where = new SqlWhere().When(node, p => $"node = {p}").When(environment, p => $"environment = {p}");
            await using var query = c.CreateCommand();
            query.CommandText = "SELECT node, environment, time, release, rev, outcome, seconds FROM deploy_events"
                + where.Sql + " ORDER BY time DESC, id DESC LIMIT $limit";
            where.Bind(query);
            query.Parameters.AddWithValue("$limit", limit);
            await using var reader = await query.ExecuteReaderAsync(ct);
            var events = ImmutableArray.CreateBuilder<DeployEvent>();
            while (await reader.ReadAsync(ct))
            {
                events.Add(new DeployEvent(reader.GetString(0), reader.GetString(1), UnixTime.FromMs(reader.GetInt64(2)),
                    reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetDouble(6)));
            }

            return events.ToImmutable();
        }, ct);

    public Task<ImmutableArray<RequestBucket>> GetRequestRatesAsync(string? node, string? vhost, DateTimeOffset since, CancellationToken ct) =>
        ReadAsync(async c =>
        {
            // +source: the time index finds the window; the source index would walk every access line ever stored.
            var where = new SqlWhere()
                .When(UnixTime.ToMs(since), p => $"time >= {p}")
                .Always("http_status IS NOT NULL")
                .When(node, p => $"node = {p}")
                .When(vhost is null ? "nginx-access:" : null, p => $"substr(source, 1, length({p})) = {p}")
                .When(vhost is null ? null : "nginx-access:" + vhost, p => $"+source = {p}");
            await using var query = c.CreateCommand();
            query.CommandText = "SELECT time / 60000 AS minute, count(*), sum(http_status >= 500) FROM log_lines"
                + where.Sql + " GROUP BY minute ORDER BY minute";
            where.Bind(query);
            await using var reader = await query.ExecuteReaderAsync(ct);
            var buckets = ImmutableArray.CreateBuilder<RequestBucket>();
            while (await reader.ReadAsync(ct))
            {
                buckets.Add(new RequestBucket(UnixTime.FromMs(reader.GetInt64(0) * 60_000), reader.GetInt32(1), reader.GetInt32(2)));
            }

            return buckets.ToImmutable();
        }, ct);

    public async Task<long> ApplyRetentionAsync(RetentionPolicy policy, CancellationToken ct)
    {
        var cutoff = UnixTime.ToMs(time.GetUtcNow() - policy.MaxAge);
        long deleted = 0;
        int batch;
        do
        {
            batch = await WriteAsync(c => LogRetention.DeleteOlderThanAsync(c, cutoff, ct), ct);
            deleted += batch;
        }
        while (batch == LogRetention.BatchSize);

        for (var excess = await CountLinesAsync(ct) - policy.MaxLines; excess > 0; excess -= batch)
        {
            batch = await WriteAsync(c => LogRetention.DeleteOldestAsync(c, excess, ct), ct);
            deleted += batch;
            if (batch == 0)
            {
                break;
            }
        }

        return deleted;
    }

    public Task<long> CountLinesAsync(CancellationToken ct) =>
        ReadAsync(async c =>
        {
            await using var query = Command(c, "SELECT count(*) FROM log_lines");
            return (long)(await query.ExecuteScalarAsync(ct) ?? 0L);
        }, ct);

    /// <summary>Waits for a running write, then closes the write connection and the pooled read connections. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await writeGate.WaitAsync();
        try
        {
            cycleWriter?.Dispose();
            // No PRAGMA optimize/ANALYZE: the search relies on the plans SqliteQueryPlanTests pin, which statistics could change.
            await writer.DisposeAsync();
            using var pooled = new SqliteConnection(readConnectionString);
            SqliteConnection.ClearPool(pooled);
        }
        finally
        {
            writeGate.Release();
            writeGate.Dispose();
        }
    }

    internal async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> write, CancellationToken ct)
    {
        await writeGate.WaitAsync(ct);
        try
        {
            return await write(writer);
        }
        finally
        {
            writeGate.Release();
        }
    }

    internal async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> read, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(readConnectionString);
        await connection.OpenAsync(ct);
        return await read(connection);
    }

    private Task<ImmutableArray<NodeSnapshot>> ReadSnapshotsAsync(string sql, CancellationToken ct, params (string Name, object Value)[] parameters) =>
        ReadAsync(async c =>
        {
            await using var query = Command(c, sql, parameters);
            await using var reader = await query.ExecuteReaderAsync(ct);
            var snapshots = ImmutableArray.CreateBuilder<NodeSnapshot>();
            while (await reader.ReadAsync(ct))
            {
                snapshots.Add(SnapshotJson.Deserialize(reader.GetString(0)));
            }

            return snapshots.ToImmutable();
        }, ct);

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
