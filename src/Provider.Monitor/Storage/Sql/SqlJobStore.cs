using System.Collections.Immutable;
using System.Data.Common;
using Provider.Monitor.Jobs;

namespace Provider.Monitor.Storage.Sql;

/// <summary>
/// The job queue on either backend: the SQL is shared, a backend adds how claims are serialised and how an event gets
/// its Seq. States are stored by name. A job's nodes are rows of job_nodes, which is what the claim compares.
/// </summary>
public abstract class SqlJobStore : IJobStore
{
    private const string JobColumns = "j.id, j.request, j.origin, j.state, j.created_at, j.started_at, j.finished_at, j.exit_code, j.summary, j.claimed_by, j.cancel_requested, n.node";

    private readonly TimeProvider time;

    private protected SqlJobStore(ISqlDatabase db, TimeProvider time)
    {
        Db = db;
        this.time = time;
    }

    private protected ISqlDatabase Db { get; }

    /// <summary>
    /// The claimable job: the oldest queued one none of whose nodes is held by a running job or wanted by an older queued
    /// job. The second condition keeps deploys to a node in the order they were asked for (a later one-node job does not
    /// overtake an earlier job that waits for several nodes), and so no queued job waits forever.
    /// </summary>
    private protected const string ClaimableJobSql = """
        SELECT j.id FROM jobs j
        WHERE j.state = 'Queued' AND NOT EXISTS (
            SELECT 1 FROM job_nodes mine
            JOIN job_nodes other ON other.node = mine.node AND other.job_id <> mine.job_id
            JOIN jobs o ON o.id = other.job_id
            WHERE mine.job_id = j.id AND (o.state = 'Running' OR (o.state = 'Queued' AND o.id < j.id)))
        ORDER BY j.id LIMIT 1
        """;

    public Task<Job> EnqueueAsync(JobRequest request, JobOrigin origin, ImmutableArray<string> nodes, CancellationToken ct)
    {
        var held = nodes.IsDefault ? [] : nodes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        var now = SqlRow.Now(time);
        return Db.WriteAsync(async s =>
        {
            var id = Convert.ToInt64(await s.ScalarAsync(
                $"INSERT INTO jobs(kind, state, request, origin, actor, created_at) VALUES (@kind, 'Queued', {Db.Json("@request")}, {Db.Json("@origin")}, @actor, @now) RETURNING id",
                ct, ("@kind", request.Kind.ToString()), ("@request", JobJson.Serialize(request)), ("@origin", JobJson.Serialize(origin)),
                ("@actor", origin.Actor), ("@now", Db.Time(now))), System.Globalization.CultureInfo.InvariantCulture);
            foreach (var node in held)
            {
                await s.ExecuteAsync("INSERT INTO job_nodes(job_id, node) VALUES (@id, @node)", ct, ("@id", id), ("@node", node));
            }

            return new Job(id, request, origin, held, JobState.Queued, now, null, null, null, null, null, false);
        }, ct);
    }

    public Task<Job?> ClaimNextAsync(string instance, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instance);
        var now = SqlRow.Now(time);
        return Db.WriteAsync(async s =>
        {
            var id = await ClaimAsync(s, instance, now, ct);
            return id is null ? null : await GetAsync(s, id.Value, ct);
        }, ct);
    }

    /// <summary>Within the write transaction: marks the claimable job Running by instance; its id, or null.</summary>
    private protected abstract Task<long?> ClaimAsync(SqlSession s, string instance, DateTimeOffset now, CancellationToken ct);

    /// <summary>Within the write transaction: stores the event with the job's next Seq and returns it (null: no such job).</summary>
    private protected abstract Task<long?> InsertEventAsync(SqlSession s, long jobId, DateTimeOffset now, string kind, string text, CancellationToken ct);

    public Task<long> AppendEventAsync(long jobId, string kind, string text, CancellationToken ct)
    {
        var now = SqlRow.Now(time);
        return Db.WriteAsync(async s =>
            await InsertEventAsync(s, jobId, now, kind, text, ct) ?? throw new InvalidOperationException($"There is no job {jobId} to append an event to."), ct);
    }

    public Task<ImmutableArray<JobEvent>> GetEventsAsync(long jobId, long afterSeq, int limit, CancellationToken ct) =>
        Db.ReadAsync(s => s.QueryAsync(
            "SELECT job_id, seq, time, kind, text FROM job_events WHERE job_id = @job AND seq > @after ORDER BY seq LIMIT @limit",
            r => new JobEvent(r.GetInt64(0), r.GetInt64(1), SqlRow.Time(r, 2), r.GetString(3), r.GetString(4)),
            ct, ("@job", jobId), ("@after", afterSeq), ("@limit", Math.Max(0, limit))), ct);

    public Task FinishAsync(long jobId, JobState state, int exitCode, string summary, CancellationToken ct)
    {
        if (state is JobState.Queued or JobState.Running)
        {
            throw new ArgumentException($"A job finishes in an end state, not {state}.", nameof(state));
        }

        var now = SqlRow.Now(time);
        return Db.WriteAsync(async s =>
        {
            var updated = await s.ExecuteAsync(
                "UPDATE jobs SET state = @state, exit_code = @code, summary = @summary, finished_at = @now WHERE id = @id AND state = 'Running'",
                ct, ("@state", state.ToString()), ("@code", exitCode), ("@summary", summary), ("@now", Db.Time(now)), ("@id", jobId));
            return updated == 1 ? 0 : throw new InvalidOperationException($"Job {jobId} cannot finish: it does not exist or is not running.");
        }, ct);
    }

    public Task<bool> RequestCancelAsync(long jobId, CancellationToken ct)
    {
        var now = SqlRow.Now(time);
        return Db.WriteAsync(async s =>
            await s.ExecuteAsync("UPDATE jobs SET state = 'Cancelled', finished_at = @now WHERE id = @id AND state = 'Queued'", ct,
                ("@now", Db.Time(now)), ("@id", jobId)) == 1
            || await s.ExecuteAsync("UPDATE jobs SET cancel_requested = TRUE WHERE id = @id AND state = 'Running'", ct, ("@id", jobId)) == 1, ct);
    }

    public Task<int> MarkInterruptedAsync(string? instance, CancellationToken ct)
    {
        var now = SqlRow.Now(time);
        const string Sql = "UPDATE jobs SET state = 'Interrupted', finished_at = @now WHERE state = 'Running'";
        return Db.WriteAsync(s => instance is null
            ? s.ExecuteAsync(Sql, ct, ("@now", Db.Time(now)))
            : s.ExecuteAsync(Sql + " AND claimed_by = @instance", ct, ("@now", Db.Time(now)), ("@instance", instance)), ct);
    }

    public Task<Job?> GetAsync(long jobId, CancellationToken ct) => Db.ReadAsync(s => GetAsync(s, jobId, ct), ct);

    public Task<ImmutableArray<Job>> ListAsync(int limit, JobState? state, CancellationToken ct)
    {
        var filter = state is null ? "" : "WHERE state = @state";
        return Db.ReadAsync(s => ReadJobsAsync(s,
            $"SELECT {JobColumns} FROM (SELECT * FROM jobs {filter} ORDER BY id DESC LIMIT @limit) j LEFT JOIN job_nodes n ON n.job_id = j.id ORDER BY j.id DESC",
            state is null ? [("@limit", Math.Max(0, limit))] : [("@state", state.Value.ToString()), ("@limit", Math.Max(0, limit))], ct), ct);
    }

    private static async Task<Job?> GetAsync(SqlSession s, long jobId, CancellationToken ct) =>
        (await ReadJobsAsync(s, $"SELECT {JobColumns} FROM jobs j LEFT JOIN job_nodes n ON n.job_id = j.id WHERE j.id = @id", [("@id", jobId)], ct))
        .SingleOrDefault();

    /// <summary>Rows of jobs joined to their nodes (one row per node, ordered by job) folded into jobs, nodes in ordinal order.</summary>
    private static async Task<ImmutableArray<Job>> ReadJobsAsync(SqlSession s, string sql, (string Name, object? Value)[] parameters, CancellationToken ct)
    {
        var rows = await s.QueryAsync(sql, r => (Job: ReadJob(r), Node: SqlRow.StringOrNull(r, 11)), ct, parameters);
        return [.. rows.GroupBy(r => r.Job.Id).Select(g => g.First().Job with
        {
            Nodes = [.. g.Select(r => r.Node).OfType<string>().Order(StringComparer.Ordinal)],
        })];
    }

    private static Job ReadJob(DbDataReader r) => new(
        r.GetInt64(0),
        JobJson.Request(r.GetString(1)),
        JobJson.Origin(r.GetString(2)),
        [],
        Enum.Parse<JobState>(r.GetString(3)),
        SqlRow.Time(r, 4),
        SqlRow.TimeOrNull(r, 5),
        SqlRow.TimeOrNull(r, 6),
        SqlRow.IntOrNull(r, 7),
        SqlRow.StringOrNull(r, 8),
        SqlRow.StringOrNull(r, 9),
        r.GetBoolean(10));
}
