using System.Data.Common;
using Microsoft.Data.Sqlite;
using Provider.Monitor.Storage.Sql;

namespace Provider.Monitor.Storage.Sqlite;

/// <summary>The monitor store's connections for the job and token stores: writes on its one write connection behind its gate, reads pooled.</summary>
internal sealed class SqliteSqlDatabase(SqliteMonitorStore store) : ISqlDatabase
{
    /// <summary>SQLITE_CONSTRAINT_UNIQUE.</summary>
    private const int UniqueConstraint = 2067;

    public Task<T> WriteAsync<T>(Func<SqlSession, Task<T>> work, CancellationToken ct) =>
        store.WriteAsync(async c =>
        {
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct);
            var result = await work(new SqlSession(c, tx));
            await tx.CommitAsync(ct);
            return result;
        }, ct);

    public Task<T> ReadAsync<T>(Func<SqlSession, Task<T>> work, CancellationToken ct) =>
        store.ReadAsync(c => work(new SqlSession(c, null)), ct);

    public object Time(DateTimeOffset time) => UnixTime.ToMs(time);

    public string Json(string parameter) => parameter;

    public bool IsUniqueViolation(DbException error) => error is SqliteException { SqliteExtendedErrorCode: UniqueConstraint };
}

/// <summary>The job queue in the monitor's SQLite file. One `serve`: claims are serialised by the write gate.</summary>
public sealed class SqliteJobStore : SqlJobStore
{
    internal SqliteJobStore(SqliteMonitorStore store, TimeProvider time)
        : base(new SqliteSqlDatabase(store), time)
    {
    }

    private protected override async Task<long?> ClaimAsync(SqlSession s, string instance, DateTimeOffset now, CancellationToken ct) =>
        await s.ScalarAsync(
            $"UPDATE jobs SET state = 'Running', claimed_by = @instance, started_at = @now WHERE id = ({ClaimableJobSql}) RETURNING id",
            ct, ("@instance", instance), ("@now", Db.Time(now))) as long?;

    private protected override async Task<long?> InsertEventAsync(SqlSession s, long jobId, DateTimeOffset now, string kind, string text, CancellationToken ct) =>
        // The write gate and transaction make max + 1 safe; the job's foreign key refuses an unknown job.
        await s.ScalarAsync("""
            INSERT INTO job_events(job_id, seq, time, kind, text)
            SELECT @job, coalesce(max(seq), 0) + 1, @now, @kind, @text FROM job_events WHERE job_id = @job
            RETURNING seq
            """, ct, ("@job", jobId), ("@now", Db.Time(now)), ("@kind", kind), ("@text", text)) as long?;
}

/// <summary>API tokens and the audit log in the monitor's SQLite file.</summary>
public sealed class SqliteTokenStore : SqlTokenStore
{
    internal SqliteTokenStore(SqliteMonitorStore store, TimeProvider time)
        : base(new SqliteSqlDatabase(store), time)
    {
    }
}
