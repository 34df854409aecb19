using Microsoft.Data.Sqlite;

namespace Provider.Monitor.Storage.Sqlite;

/// <summary>
/// The schema as an ordered list of numbered migrations. A migration is never edited once released: a change is a new
/// migration with the next number. Each is applied once, in its own transaction, and recorded in schema_migrations.
/// </summary>
internal static class SqliteMigrations
{
    internal sealed record Migration(int Version, string Name, string Sql);

    /// <summary>Snapshots older than the newest this many per node are pruned (a day at one cycle every 30 s).</summary>
    public const int SnapshotsKeptPerNode = 2880;

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "initial: snapshots, deploy events, cursors, log lines with FTS5", """
            CREATE TABLE nodes(
                node TEXT PRIMARY KEY
            ) WITHOUT ROWID;

            CREATE TABLE node_snapshots(
                id INTEGER PRIMARY KEY,
                node TEXT NOT NULL,
                collected_at INTEGER NOT NULL,
                json TEXT NOT NULL
            );
            CREATE INDEX ix_node_snapshots_node_time ON node_snapshots(node, collected_at);

            CREATE TABLE deploy_events(
                id INTEGER PRIMARY KEY,
                node TEXT NOT NULL,
                environment TEXT NOT NULL,
                time INTEGER NOT NULL,
                release TEXT NOT NULL,
                rev TEXT NOT NULL,
                outcome TEXT NOT NULL,
                seconds REAL,
                UNIQUE(node, environment, time, release, outcome)
            );
            CREATE INDEX ix_deploy_events_time ON deploy_events(time);
            CREATE INDEX ix_deploy_events_environment_time ON deploy_events(environment, time);

            CREATE TABLE cursors(
                node TEXT NOT NULL,
                source_key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY(node, source_key)
            ) WITHOUT ROWID;

            CREATE TABLE log_lines(
                id INTEGER PRIMARY KEY,
                node TEXT NOT NULL,
                environment TEXT,
                source TEXT NOT NULL,
                time INTEGER NOT NULL,
                level INTEGER NOT NULL,
                http_status INTEGER,
                message TEXT NOT NULL
            );
            -- A secondary index ends with the rowid, so an equality filter walks its lines in id order: no sort for ORDER BY id DESC.
            CREATE INDEX ix_log_lines_node ON log_lines(node);
            CREATE INDEX ix_log_lines_environment ON log_lines(environment);
            CREATE INDEX ix_log_lines_source ON log_lines(source);
            CREATE INDEX ix_log_lines_time ON log_lines(time);

            CREATE VIRTUAL TABLE log_fts USING fts5(message, content='log_lines', content_rowid='id');
            CREATE TRIGGER log_lines_fts_insert AFTER INSERT ON log_lines BEGIN
                INSERT INTO log_fts(rowid, message) VALUES (new.id, new.message);
            END;
            CREATE TRIGGER log_lines_fts_delete AFTER DELETE ON log_lines BEGIN
                INSERT INTO log_fts(log_fts, rowid, message) VALUES ('delete', old.id, old.message);
            END;
            CREATE TRIGGER log_lines_fts_update AFTER UPDATE OF message ON log_lines BEGIN
                INSERT INTO log_fts(log_fts, rowid, message) VALUES ('delete', old.id, old.message);
                INSERT INTO log_fts(rowid, message) VALUES (new.id, new.message);
            END;
            """),
        // A trigger indexes each line in its own sub-statement, and FTS5 flushes its pending terms at every statement
        // boundary: thousands of one-line segments a cycle to merge. CycleWriter indexes a cycle's lines with one
        // INSERT ... SELECT instead (about 3x the ingest rate; see benchmarks/). Deletes keep their trigger.
        new(2, "index log lines per cycle, not per row", """
            DROP TRIGGER log_lines_fts_insert;
            """),
        // "Errors only" (MaxLevel <= 3) walks just the severe lines, newest first, without visiting the table; otherwise a
        // filter that matches few lines walks every line (benchmarks/: level <= 0 took 180 ms at a million lines, now 15).
        new(3, "index severe lines (level <= 3) by id", """
            CREATE INDEX ix_log_lines_severe ON log_lines(id, level) WHERE level <= 3;
            """),
        // The delete trigger has the same per-row flush as the insert trigger had (10,000 lines: 640 ms of write lock);
        // LogRetention removes a batch's index entries with one statement before deleting the lines (about 170 ms).
        new(4, "unindex deleted log lines per batch, not per row", """
            DROP TRIGGER log_lines_fts_delete;
            """),
        // Issue 13, the deploy service: the job queue (a job holds its nodes while it runs; events numbered per job) and
        // API tokens (only SHA-256 hashes; one live token per name) with the audit log.
        new(5, "jobs, job events, tokens, audit", """
            CREATE TABLE jobs(
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                state TEXT NOT NULL,
                request TEXT NOT NULL,
                origin TEXT NOT NULL,
                actor TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                started_at INTEGER,
                finished_at INTEGER,
                exit_code INTEGER,
                summary TEXT,
                claimed_by TEXT,
                cancel_requested INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX ix_jobs_state ON jobs(state);

            CREATE TABLE job_nodes(
                job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                node TEXT NOT NULL,
                PRIMARY KEY(job_id, node)
            ) WITHOUT ROWID;
            CREATE INDEX ix_job_nodes_node ON job_nodes(node);

            CREATE TABLE job_events(
                job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                time INTEGER NOT NULL,
                kind TEXT NOT NULL,
                text TEXT NOT NULL,
                PRIMARY KEY(job_id, seq)
            ) WITHOUT ROWID;

            CREATE TABLE tokens(
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                scope TEXT NOT NULL,
                prefix TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                last_used_at INTEGER,
                revoked_at INTEGER
            );
            CREATE UNIQUE INDEX ux_tokens_live_name ON tokens(name) WHERE revoked_at IS NULL;

            CREATE TABLE audit(
                id INTEGER PRIMARY KEY,
                time INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                remote_address TEXT,
                detail TEXT NOT NULL
            );
            """),
    ];

    public static int LatestVersion => All[^1].Version;

    /// <summary>Applies the migrations this database lacks; refuses a database written by a newer build.</summary>
    public static async Task MigrateAsync(SqliteConnection connection, string path, CancellationToken ct)
    {
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
            await create.ExecuteNonQueryAsync(ct);
        }

        var applied = await AppliedVersionsAsync(connection, ct);
        var newest = applied.Count == 0 ? 0 : applied.Max();
        if (newest > LatestVersion)
        {
            throw new MonitorStoreVersionException(path, newest, LatestVersion);
        }

        foreach (var migration in All.Where(m => !applied.Contains(m.Version)))
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
            await using (var step = connection.CreateCommand())
            {
                step.Transaction = tx;
                step.CommandText = migration.Sql;
                await step.ExecuteNonQueryAsync(ct);
            }

            await using (var record = connection.CreateCommand())
            {
                record.Transaction = tx;
                record.CommandText = "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($v, $n, $at)";
                record.Parameters.AddWithValue("$v", migration.Version);
                record.Parameters.AddWithValue("$n", migration.Name);
                record.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                await record.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
        }
    }

    private static async Task<HashSet<int>> AppliedVersionsAsync(SqliteConnection connection, CancellationToken ct)
    {
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT version FROM schema_migrations";
        await using var reader = await query.ExecuteReaderAsync(ct);
        var versions = new HashSet<int>();
        while (await reader.ReadAsync(ct))
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }
}
