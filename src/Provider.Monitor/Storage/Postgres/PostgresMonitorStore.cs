using System.Collections.Immutable;
using Npgsql;
using NpgsqlTypes;
using Provider.Monitor.Storage.Postgres;
using Provider.Monitor.Storage.Sql;
using Provider.Monitor.Storage.Sqlite;

namespace Provider.Monitor.Storage;

/// <summary>
/// The monitor store on PostgreSQL, for several `serve` instances sharing one database; the same behaviour as
/// SqliteMonitorStore. One pool (NpgsqlDataSource) per store: each write is one READ COMMITTED transaction, each read
/// its own connection. Times are timestamptz and come back with offset zero; snapshots are jsonb.
/// </summary>
public sealed class PostgresMonitorStore : IMonitorStore
{
    private readonly NpgsqlDataSource source;
    private readonly TimeProvider time;
    private int disposed;

    private PostgresMonitorStore(NpgsqlDataSource source, string database, TimeProvider time)
    {
        this.source = source;
        this.time = time;
        Database = database;
        Jobs = new PostgresJobStore(source, time);
        Tokens = new PostgresTokenStore(source, time);
    }

    /// <summary>The database as postgresql://user@host:port/name: never the password.</summary>
    public string Database { get; }

    /// <summary>The schema version this build creates and upgrades to.</summary>
    public static int SchemaVersion => PostgresMigrations.LatestVersion;

    public PostgresJobStore Jobs { get; }

    public PostgresTokenStore Tokens { get; }

    /// <summary>
    /// Opens a pool on the database (an Npgsql connection string; see DatabaseUri for postgresql:// URIs) and migrates it.
    /// Throws MonitorStoreVersionException for a database written by a newer build.
    /// </summary>
    public static async Task<PostgresMonitorStore> OpenAsync(string connectionString, CancellationToken ct, TimeProvider? time = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var source = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        var store = new PostgresMonitorStore(source, DatabaseUri.Describe(builder), time ?? TimeProvider.System);
        try
        {
            await store.MigrateAsync(ct);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public Task MigrateAsync(CancellationToken ct) => PostgresMigrations.MigrateAsync(source, Database, ct);

    public Task<ImmutableSortedDictionary<string, string>> GetCursorsAsync(string node, CancellationToken ct) =>
        ReadAsync(async s =>
        {
            var rows = await s.QueryAsync("SELECT source_key, value FROM cursors WHERE node = @node", r => (r.GetString(0), r.GetString(1)), ct, ("@node", node));
            return rows.ToImmutableSortedDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
        }, ct);

    public async Task RecordCycleAsync(NodeCycle cycle, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var snap = cycle.Snapshot;
        await using var connection = await source.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var s = new SqlSession(connection, tx);
        await s.ExecuteAsync("INSERT INTO nodes(node) VALUES (@node) ON CONFLICT DO NOTHING", ct, ("@node", snap.Node));
        await s.ExecuteAsync("INSERT INTO node_snapshots(node, collected_at, json) VALUES (@node, @at, @json::jsonb)", ct,
            ("@node", snap.Node), ("@at", snap.CollectedAt.ToUniversalTime()), ("@json", SnapshotJson.Serialize(snap)));
        await s.ExecuteAsync("""
            DELETE FROM node_snapshots WHERE id IN (
                SELECT id FROM node_snapshots WHERE node = @node ORDER BY collected_at DESC, id DESC OFFSET @keep)
            """, ct, ("@node", snap.Node), ("@keep", SqliteMigrations.SnapshotsKeptPerNode));
        if (cycle.History.Length > 0)
        {
            var h = cycle.History;
            await s.ExecuteAsync("""
                INSERT INTO deploy_events(node, environment, time, release, rev, outcome, seconds)
                SELECT * FROM unnest(@node::text[], @environment::text[], @time::timestamptz[], @release::text[], @rev::text[], @outcome::text[], @seconds::float8[])
                ON CONFLICT DO NOTHING
                """, ct,
                ("@node", h.Select(e => e.Node).ToArray()), ("@environment", h.Select(e => e.Environment).ToArray()),
                ("@time", h.Select(e => e.Time.ToUniversalTime()).ToArray()), ("@release", h.Select(e => e.Release).ToArray()),
                ("@rev", h.Select(e => e.Rev).ToArray()), ("@outcome", h.Select(e => e.Outcome).ToArray()), ("@seconds", h.Select(e => e.Seconds).ToArray()));
        }

        if (cycle.Lines.Length > 0)
        {
            // One statement for the cycle's lines; WITH ORDINALITY keeps their order, so ids follow ingest order.
            var l = cycle.Lines;
            await s.ExecuteAsync("""
                INSERT INTO log_lines(node, environment, source, time, level, http_status, message)
                SELECT n, e, s, t, v, h, m FROM unnest(@node::text[], @environment::text[], @source::text[], @time::timestamptz[], @level::int[], @status::int[], @message::text[])
                    WITH ORDINALITY AS u(n, e, s, t, v, h, m, o)
                ORDER BY o
                """, ct,
                ("@node", l.Select(x => x.Node).ToArray()), ("@environment", l.Select(x => x.Environment).ToArray()),
                ("@source", l.Select(x => x.Source).ToArray()), ("@time", l.Select(x => x.Time.ToUniversalTime()).ToArray()),
                ("@level", l.Select(x => x.Level).ToArray()), ("@status", l.Select(x => x.HttpStatus).ToArray()), ("@message", l.Select(x => x.Message).ToArray()));
        }

        if (cycle.Cursors.Count > 0)
        {
            // Upsert, not replace-all: a cycle that read only some sources keeps the others' cursors.
            await s.ExecuteAsync("""
                INSERT INTO cursors(node, source_key, value) SELECT @node, k, v FROM unnest(@keys::text[], @values::text[]) AS u(k, v)
                ON CONFLICT(node, source_key) DO UPDATE SET value = excluded.value
                """, ct, ("@node", snap.Node), ("@keys", cycle.Cursors.Keys.ToArray()), ("@values", cycle.Cursors.Values.ToArray()));
        }

        await tx.CommitAsync(ct);
    }

    public Task<ImmutableArray<NodeSnapshot>> GetFleetAsync(CancellationToken ct) =>
        ReadSnapshotsAsync("""
            SELECT s.json FROM nodes n
            CROSS JOIN LATERAL (SELECT json FROM node_snapshots WHERE node = n.node ORDER BY collected_at DESC, id DESC LIMIT 1) s
            ORDER BY n.node
            """, ct);

    public Task<ImmutableArray<NodeSnapshot>> GetNodeHistoryAsync(string node, int limit, CancellationToken ct) =>
        ReadSnapshotsAsync("SELECT json FROM node_snapshots WHERE node = @node ORDER BY collected_at DESC, id DESC LIMIT @limit", ct,
            ("@node", node), ("@limit", limit));

    public async Task<LogPage> SearchLogsAsync(LogQuery query, CancellationToken ct)
    {
        await using var connection = await source.OpenConnectionAsync(ct);
        return await PostgresLogSearch.RunAsync(connection, query, ct);
    }

    public Task<ImmutableArray<DeployEvent>> GetHistoryAsync(string? node, string? environment, int limit, CancellationToken ct) =>
        ReadAsync(async s =>
        {
            var where = new SqlWhere("@").When(node, p => $"node = {p}").When(environment, p => $"environment = {p}");
            await using var query = s.Command("SELECT node, environment, time, release, rev, outcome, seconds FROM deploy_events"
                + where.Sql + " ORDER BY time DESC, id DESC LIMIT @limit", ("@limit", limit));
            where.Bind(query);
            await using var reader = await query.ExecuteReaderAsync(ct);
            var events = ImmutableArray.CreateBuilder<DeployEvent>();
            while (await reader.ReadAsync(ct))
            {
                events.Add(new DeployEvent(reader.GetString(0), reader.GetString(1), SqlRow.Time(reader, 2),
                    reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetDouble(6)));
            }

            return events.ToImmutable();
        }, ct);

    public Task<ImmutableArray<RequestBucket>> GetRequestRatesAsync(string? node, string? vhost, DateTimeOffset since, CancellationToken ct) =>
        ReadAsync(async s =>
        {
            var where = new SqlWhere("@")
                .When(since.ToUniversalTime(), p => $"time >= {p}")
                .Always("http_status IS NOT NULL")
                .When(node, p => $"node = {p}")
                .When(vhost is null ? "nginx-access:" : null, p => $"starts_with(source, {p})")
                .When(vhost is null ? null : "nginx-access:" + vhost, p => $"source = {p}");
            await using var query = s.Command("""
                SELECT floor(extract(epoch FROM time) / 60)::bigint AS minute, count(*), count(*) FILTER (WHERE http_status >= 500) FROM log_lines
                """ + where.Sql + " GROUP BY minute ORDER BY minute");
            where.Bind(query);
            await using var reader = await query.ExecuteReaderAsync(ct);
            var buckets = ImmutableArray.CreateBuilder<RequestBucket>();
            while (await reader.ReadAsync(ct))
            {
                buckets.Add(new RequestBucket(DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(0) * 60), (int)reader.GetInt64(1), (int)reader.GetInt64(2)));
            }

            return buckets.ToImmutable();
        }, ct);

    /// <summary>In batches, each its own transaction (the GIN index drops a line's entries with it).</summary>
    public Task<long> ApplyRetentionAsync(RetentionPolicy policy, CancellationToken ct) =>
        RetentionRun.RunAsync(time.GetUtcNow() - policy.MaxAge, policy.MaxLines,
            cutoff => WriteAsync(s => s.ExecuteAsync(
                "DELETE FROM log_lines WHERE id IN (SELECT id FROM log_lines WHERE time < @cutoff LIMIT @batch)", ct,
                ("@cutoff", cutoff.ToUniversalTime()), ("@batch", RetentionRun.BatchSize)), ct),
            excess => WriteAsync(s => s.ExecuteAsync(
                "DELETE FROM log_lines WHERE id IN (SELECT id FROM log_lines ORDER BY id LIMIT @batch)", ct,
                ("@batch", Math.Min(excess, RetentionRun.BatchSize))), ct),
            () => CountLinesAsync(ct));

    public Task<long> CountLinesAsync(CancellationToken ct) =>
        ReadAsync(async s => (long)(await s.ScalarAsync("SELECT count(*) FROM log_lines", ct) ?? 0L), ct);

    /// <summary>Closes the pool. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            await source.DisposeAsync();
        }
    }

    private Task<T> WriteAsync<T>(Func<SqlSession, Task<T>> work, CancellationToken ct) => new PostgresSqlDatabase(source).WriteAsync(work, ct);

    private Task<T> ReadAsync<T>(Func<SqlSession, Task<T>> work, CancellationToken ct) => new PostgresSqlDatabase(source).ReadAsync(work, ct);

    private Task<ImmutableArray<NodeSnapshot>> ReadSnapshotsAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters) =>
        ReadAsync(s => s.QueryAsync(sql, r => SnapshotJson.Deserialize(r.GetString(0)), ct, parameters), ct);
}
