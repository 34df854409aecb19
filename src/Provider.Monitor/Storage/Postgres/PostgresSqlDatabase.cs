using System.Data.Common;
using Npgsql;
using Provider.Monitor.Storage.Sql;

namespace Provider.Monitor.Storage.Postgres;

/// <summary>Shared SQL on a PostgreSQL pool: each write its own READ COMMITTED transaction, each read its own connection.</summary>
internal sealed class PostgresSqlDatabase(NpgsqlDataSource source) : ISqlDatabase
{
    public async Task<T> WriteAsync<T>(Func<SqlSession, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await source.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var result = await work(new SqlSession(connection, tx));
        await tx.CommitAsync(ct);
        return result;
    }

    public async Task<T> ReadAsync<T>(Func<SqlSession, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await source.OpenConnectionAsync(ct);
        return await work(new SqlSession(connection, null));
    }

    /// <summary>Npgsql writes a DateTimeOffset to timestamptz only with offset zero.</summary>
    public object Time(DateTimeOffset time) => time.ToUniversalTime();

    public string Json(string parameter) => parameter + "::jsonb";

    public bool IsUniqueViolation(DbException error) => error is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}

/// <summary>
/// The job queue in PostgreSQL, for several `serve` instances on one database. A claim takes a transaction-scoped
/// advisory lock first, so claimers run one at a time and each sees the others' committed claims: two instances can
/// never start jobs on the same node. FOR UPDATE SKIP LOCKED keeps a claim from waiting on a job row that another
/// transaction (a cancel) holds.
/// </summary>
public sealed class PostgresJobStore : SqlJobStore
{
    /// <summary>The advisory lock key of claims ("hp-claim").</summary>
    private const long ClaimLock = 0x68702D636C61696D;

    internal PostgresJobStore(NpgsqlDataSource source, TimeProvider time)
        : base(new PostgresSqlDatabase(source), time)
    {
    }

    private protected override async Task<long?> ClaimAsync(SqlSession s, string instance, DateTimeOffset now, CancellationToken ct)
    {
        await s.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", ct, ("@key", ClaimLock));
        return await s.ScalarAsync(
            $"UPDATE jobs SET state = 'Running', claimed_by = @instance, started_at = @now WHERE id = ({ClaimableJobSql} FOR UPDATE OF j SKIP LOCKED) RETURNING id",
            ct, ("@instance", instance), ("@now", Db.Time(now))) as long?;
    }

    private protected override async Task<long?> InsertEventAsync(SqlSession s, long jobId, DateTimeOffset now, string kind, string text, CancellationToken ct) =>
        // The counter row's update locks it: concurrent appends to one job take their Seq one after the other.
        await s.ScalarAsync("""
            WITH next AS (UPDATE jobs SET last_seq = last_seq + 1 WHERE id = @job RETURNING id, last_seq)
            INSERT INTO job_events(job_id, seq, time, kind, text) SELECT id, last_seq, @now, @kind, @text FROM next
            RETURNING seq
            """, ct, ("@job", jobId), ("@now", Db.Time(now)), ("@kind", kind), ("@text", text)) as long?;
}

/// <summary>API tokens and the audit log in PostgreSQL.</summary>
public sealed class PostgresTokenStore : SqlTokenStore
{
    internal PostgresTokenStore(NpgsqlDataSource source, TimeProvider time)
        : base(new PostgresSqlDatabase(source), time)
    {
    }
}
