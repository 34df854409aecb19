using Npgsql;
using Provider.Monitor.Storage.Sql;

namespace Provider.Monitor.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema as numbered migrations (its own numbering; see SqliteMigrations for SQLite's). Names that are
/// sorted or compared by prefix are COLLATE "C", so order and prefixes are ordinal whatever the database's locale.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The advisory lock key that serialises migrators ("hp-migr"), so that instances starting together do not race.</summary>
    private const long MigrationLock = 0x68702D6D696772;

    public static IReadOnlyList<SchemaMigration> All { get; } =
    [
        new(1, "monitor: snapshots, deploy events, cursors, log lines with a tsvector index", """
            CREATE TABLE nodes(
                node text COLLATE "C" PRIMARY KEY
            );

            CREATE TABLE node_snapshots(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                node text COLLATE "C" NOT NULL,
                collected_at timestamptz NOT NULL,
                json jsonb NOT NULL
            );
            CREATE INDEX ix_node_snapshots_node_time ON node_snapshots(node, collected_at DESC, id DESC);

            CREATE TABLE deploy_events(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                node text COLLATE "C" NOT NULL,
                environment text COLLATE "C" NOT NULL,
                time timestamptz NOT NULL,
                release text NOT NULL,
                rev text NOT NULL,
                outcome text NOT NULL,
                seconds double precision,
                UNIQUE(node, environment, time, release, outcome)
            );
            CREATE INDEX ix_deploy_events_time ON deploy_events(time);
            CREATE INDEX ix_deploy_events_environment_time ON deploy_events(environment, time);

            CREATE TABLE cursors(
                node text COLLATE "C" NOT NULL,
                source_key text COLLATE "C" NOT NULL,
                value text NOT NULL,
                PRIMARY KEY(node, source_key)
            );

            -- words: the message's runs of letters and digits, as SQLite's unicode61 tokenizer sees them (the default
            -- parser would make "/api/orders/7" one file token and "shop.example" one host token); 'simple': no
            -- stemming or stop words, so "payments" is not "payment" and "and" is a word like any other.
            CREATE TABLE log_lines(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                node text COLLATE "C" NOT NULL,
                environment text COLLATE "C",
                source text COLLATE "C" NOT NULL,
                time timestamptz NOT NULL,
                level integer NOT NULL,
                http_status integer,
                message text NOT NULL,
                words tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, regexp_replace(message, '[^[:alnum:]]+', ' ', 'g'))) STORED
            );
            CREATE INDEX ix_log_lines_words ON log_lines USING gin(words);
            CREATE INDEX ix_log_lines_node ON log_lines(node, id);
            CREATE INDEX ix_log_lines_environment ON log_lines(environment, id);
            CREATE INDEX ix_log_lines_source ON log_lines(source, id);
            CREATE INDEX ix_log_lines_time ON log_lines(time);
            CREATE INDEX ix_log_lines_severe ON log_lines(id) WHERE level <= 3;
            """),
        new(2, "deploy service: jobs, job events, tokens, audit", """
            CREATE TABLE jobs(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                kind text NOT NULL,
                state text NOT NULL,
                request jsonb NOT NULL,
                origin jsonb NOT NULL,
                actor text NOT NULL,
                created_at timestamptz NOT NULL,
                started_at timestamptz,
                finished_at timestamptz,
                exit_code integer,
                summary text,
                claimed_by text,
                cancel_requested boolean NOT NULL DEFAULT false,
                -- The last event's Seq: appending updates this row, which serialises appends to one job.
                last_seq bigint NOT NULL DEFAULT 0
            );
            CREATE INDEX ix_jobs_state ON jobs(state, id);

            CREATE TABLE job_nodes(
                job_id bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                node text COLLATE "C" NOT NULL,
                PRIMARY KEY(job_id, node)
            );
            CREATE INDEX ix_job_nodes_node ON job_nodes(node);

            CREATE TABLE job_events(
                job_id bigint NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                seq bigint NOT NULL,
                time timestamptz NOT NULL,
                kind text NOT NULL,
                text text NOT NULL,
                PRIMARY KEY(job_id, seq)
            );

            CREATE TABLE tokens(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name text COLLATE "C" NOT NULL,
                scope text NOT NULL,
                prefix text NOT NULL,
                hash text NOT NULL UNIQUE,
                created_at timestamptz NOT NULL,
                last_used_at timestamptz,
                revoked_at timestamptz
            );
            CREATE UNIQUE INDEX ux_tokens_live_name ON tokens(name) WHERE revoked_at IS NULL;

            CREATE TABLE audit(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                time timestamptz NOT NULL,
                actor text NOT NULL,
                action text NOT NULL,
                remote_address text,
                detail text NOT NULL
            );
            """),
    ];

    public static int LatestVersion => All[^1].Version;

    /// <summary>Migrates under a session advisory lock: a second instance waits, then finds nothing left to apply.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource source, string database, CancellationToken ct)
    {
        await using var connection = await source.OpenConnectionAsync(ct);
        var session = new SqlSession(connection, null);
        await session.ExecuteAsync("SELECT pg_advisory_lock(@key)", ct, ("@key", MigrationLock));
        try
        {
            await SchemaMigrator.MigrateAsync(connection, All, database, ct);
        }
        finally
        {
            await session.ExecuteAsync("SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("@key", MigrationLock));
        }
    }
}
