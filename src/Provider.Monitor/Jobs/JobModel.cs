using System.Collections.Immutable;

namespace Provider.Monitor.Jobs;

public enum JobKind
{
    Deploy = 1,
    Rollback = 2,

    /// <summary>A pushed ref: lock update of the projects that follow it, plan, dns-gate, deploy of their environments, commit of the provider repo.</summary>
    Push = 3,
}

/// <summary>Queued → Running → one of the ends. Interrupted: the service stopped while it ran (resumable like `deploy --resume`).</summary>
public enum JobState
{
    Queued = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
    Cancelled = 5,
    Interrupted = 6,
}

/// <summary>
/// What a job does, as the CLI would be asked: a deploy of environments and/or nodes (both empty: the whole fleet), or a
/// rollback of one environment to a release (To null: the previous good one) or of one node to a generation.
/// Resume and SkipGate mean what `deploy --resume` / `--skip-gate` mean. A push job carries what was pushed in
/// <see cref="Push"/> (absent from the JSON of other kinds, so requests stored before it existed read unchanged) and
/// deploys <see cref="Environments"/>, those that follow the pushed ref.
/// </summary>
public sealed record JobRequest(
    JobKind Kind,
    ImmutableArray<string> Environments,
    ImmutableArray<string> Nodes,
    string? To = null,
    bool Resume = false,
    bool SkipGate = false,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] PushedRef? Push = null);

/// <summary>What a push job was started for: the repository as the pusher named it, the ref, the pushed commit (if known) and the provider projects that follow it.</summary>
public sealed record PushedRef(string Repository, string Ref, string? Rev, ImmutableArray<string> Projects);

/// <summary>Who asked, through what, from where and why: every job records it (the audit trail of deploys).</summary>
/// <param name="Actor">The token's name, "webhook:github", "push:&lt;repo&gt;", ...</param>
/// <param name="Via">"api", "button", "webhook", "push", "cli".</param>
public sealed record JobOrigin(string Actor, string Via, string? RemoteAddress, string? Reason);

/// <summary>A job as stored. Nodes: the nodes it holds while it runs (one running job per node; others wait queued).</summary>
public sealed record Job(
    long Id,
    JobRequest Request,
    JobOrigin Origin,
    ImmutableArray<string> Nodes,
    JobState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? ExitCode,
    string? Summary,
    string? ClaimedBy,
    bool CancelRequested);

/// <summary>One line of a job's progress (Kind "progress", the CLI's own lines) or its end (Kind "result", Text a JSON object). Seq counts from 1 per job.</summary>
public sealed record JobEvent(long JobId, long Seq, DateTimeOffset Time, string Kind, string Text);

/// <summary>
/// The job queue's storage. SQLite for one `serve`; PostgreSQL for several instances on one database, where a job is
/// claimed by exactly one instance. Every method is safe to call concurrently.
/// </summary>
public interface IJobStore
{
    Task<Job> EnqueueAsync(JobRequest request, JobOrigin origin, ImmutableArray<string> nodes, CancellationToken ct);

    /// <summary>
    /// Claims the oldest queued job none of whose nodes is held by a running job, marks it Running by
    /// <paramref name="instance"/> and returns it; null when nothing can start now. Atomic across instances.
    /// </summary>
    Task<Job?> ClaimNextAsync(string instance, CancellationToken ct);

    /// <summary>Appends an event; returns its Seq.</summary>
    Task<long> AppendEventAsync(long jobId, string kind, string text, CancellationToken ct);

    /// <summary>Events with Seq &gt; afterSeq, in order, at most limit.</summary>
    Task<ImmutableArray<JobEvent>> GetEventsAsync(long jobId, long afterSeq, int limit, CancellationToken ct);

    Task FinishAsync(long jobId, JobState state, int exitCode, string summary, CancellationToken ct);

    /// <summary>A queued job is cancelled at once (true); a running one gets CancelRequested (true) and its runner stops it; an ended one: false.</summary>
    Task<bool> RequestCancelAsync(long jobId, CancellationToken ct);

    /// <summary>Running jobs claimed by <paramref name="instance"/> (or, with null, by anyone) become Interrupted; returns how many.</summary>
    Task<int> MarkInterruptedAsync(string? instance, CancellationToken ct);

    Task<Job?> GetAsync(long jobId, CancellationToken ct);

    /// <summary>Newest first.</summary>
    Task<ImmutableArray<Job>> ListAsync(int limit, JobState? state, CancellationToken ct);
}

/// <summary>What the web layer (API, buttons, webhooks) uses to start and stop work; the job runner implements it.</summary>
public interface IJobQueue
{
    /// <summary>Validates the request against the current plan (unknown environment/node: <see cref="JobRequestException"/>) and queues it.</summary>
    Task<Job> EnqueueAsync(JobRequest request, JobOrigin origin, CancellationToken ct);

    Task<bool> CancelAsync(long jobId, CancellationToken ct);
}

/// <summary>A job request the plan cannot satisfy; Message says what and how to fix it (an API answers 400 with it).</summary>
public sealed class JobRequestException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
