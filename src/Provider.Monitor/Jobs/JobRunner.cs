using System.Collections.Immutable;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Provider.Monitor.Push;
using Provider.Nodes.Engine;
using Provider.Nodes.Fleet;

namespace Provider.Monitor.Jobs;

/// <summary>How the runner runs: how many jobs at once (each still one per node), how often it looks for work queued by other instances.</summary>
public sealed record JobRunnerOptions(int MaxConcurrent, TimeSpan Poll)
{
    public static JobRunnerOptions Default { get; } = new(4, TimeSpan.FromSeconds(1));
}

/// <summary>
/// The service's job queue: validates requests against the current plan, stores them, and runs claimed jobs with the
/// same engine code as the CLI (<see cref="DeployRun"/>, <see cref="RollbackRun"/>, as with --yes). Progress lines go to the
/// job's events in order; a final "result" event carries state, exit code and summary. The node locks on the servers
/// still guard every change; the store's claim keeps one running job per node so others wait visibly queued.
/// When a job has ended, <paramref name="notifier"/> (provider.yaml's webhooks) is told.
/// </summary>
/// <remarks>A <see cref="JobKind.Push"/> job runs the push pipeline (<see cref="PushPipeline"/>) with <paramref name="push"/> (default: the system's DNS servers, this machine's name).</remarks>
public sealed class JobRunner(string repoDir, string? identity, IJobStore store, string instance, JobRunnerOptions options, Action<string>? log = null,
    Notify.IJobNotifier? notifier = null, PushOptions? push = null) : IJobQueue, IDisposable
{
    private readonly SemaphoreSlim wake = new(0);
    private readonly Lock gate = new();
    private readonly Dictionary<long, CancellationTokenSource> running = [];

    public string Instance => instance;

    public void Dispose() => wake.Dispose();

    public async Task<Job> EnqueueAsync(JobRequest request, JobOrigin origin, CancellationToken ct)
    {
        var (normalised, nodes) = Validate(new FleetAccess(repoDir, identity), request);
        var job = await store.EnqueueAsync(normalised, origin, nodes, ct);
        log?.Invoke($"job {job.Id} queued: {Describe(job.Request)} by {origin.Actor} via {origin.Via}");
        wake.Release();
        return job;
    }

    public async Task<bool> CancelAsync(long jobId, CancellationToken ct)
    {
        var accepted = await store.RequestCancelAsync(jobId, ct);
        lock (gate)
        {
            if (running.TryGetValue(jobId, out var cts))
            {
                cts.Cancel();
            }
        }

        return accepted;
    }

    /// <summary>Marks what this instance left running as interrupted, then claims and runs jobs until cancelled; running jobs are cancelled (like Ctrl+C) on the way out.</summary>
    public async Task RunAsync(bool anyInstanceInterrupted, CancellationToken ct)
    {
        var interrupted = await store.MarkInterruptedAsync(anyInstanceInterrupted ? null : instance, ct);
        if (interrupted > 0)
        {
            log?.Invoke($"{interrupted} job(s) were running when the service stopped: marked interrupted (resume them with a deploy with resume=true)");
        }

        var tasks = new List<Task>();
        while (!ct.IsCancellationRequested)
        {
            tasks.RemoveAll(t => t.IsCompleted);
            while (tasks.Count < options.MaxConcurrent && await store.ClaimNextAsync(instance, ct) is { } job)
            {
                tasks.Add(Task.Run(() => ExecuteAsync(job, ct), CancellationToken.None));
            }

            try
            {
                await wake.WaitAsync(options.Poll, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(tasks);
    }

    private async Task ExecuteAsync(Job job, CancellationToken serviceStopping)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(serviceStopping);
        lock (gate)
        {
            running[job.Id] = cts;
        }

        // Progress lines are appended in order by one writer; the engine's callback never waits for the database.
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var writer = Task.Run(async () =>
        {
            await foreach (var line in lines.Reader.ReadAllAsync(CancellationToken.None))
            {
                await store.AppendEventAsync(job.Id, "progress", line, CancellationToken.None);
            }
        }, CancellationToken.None);
        void Progress(string text)
        {
            foreach (var line in text.Split('\n'))
            {
                lines.Writer.TryWrite(line);
            }
        }

        // A cancel requested through another instance reaches this one through the store.
        var watcher = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                await Task.Delay(options.Poll, cts.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                if (!cts.IsCancellationRequested && (await store.GetAsync(job.Id, CancellationToken.None))?.CancelRequested == true)
                {
                    await cts.CancelAsync();
                }
            }
        }, CancellationToken.None);

        JobState state;
        int exitCode;
        string summary;
        log?.Invoke($"job {job.Id} running: {Describe(job.Request)}");
        try
        {
            (state, exitCode, summary) = await RunAsync(job, Progress, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            (state, exitCode, summary) = serviceStopping.IsCancellationRequested
                ? (JobState.Interrupted, 130, "interrupted: the service stopped during the job; run it again with resume")
                : (JobState.Cancelled, 130, "cancelled");
        }
        catch (Exception ex) when (ex is OperationRefusedException or Provider.Nodes.Ssh.NodeConnectionException or Provider.Nodes.Locking.NodeLockException
            or Provider.Nodes.Apply.DeployStepException or Provider.Nodes.Apply.ReleaseSourceException or Provider.Nodes.Sources.GitSourceException or Provider.Nodes.Repository.RepoLockedException or IOException)
        {
            Progress("error: " + ex.Message);
            (state, exitCode, summary) = (JobState.Failed, 1, ex.Message.Split('\n')[0]);
        }

        await cts.CancelAsync();
        await watcher;
        lines.Writer.Complete();
        await writer;
        var result = new JsonObject { ["state"] = state.ToString().ToLowerInvariant(), ["exitCode"] = exitCode, ["summary"] = summary };
        await store.AppendEventAsync(job.Id, "result", result.ToJsonString(), CancellationToken.None);
        await store.FinishAsync(job.Id, state, exitCode, summary, CancellationToken.None);
        if (notifier is not null)
        {
            await notifier.NotifyAsync(job, state, exitCode, summary); // only queues: a webhook never holds up the runner
        }

        lock (gate)
        {
            running.Remove(job.Id);
        }

        log?.Invoke($"job {job.Id} {state.ToString().ToLowerInvariant()}: {summary}");
        wake.Release();
    }

    /// <summary>One job through the engine, as the CLI runs it with --yes: its end state, exit code and summary line.</summary>
    private async Task<(JobState, int, string)> RunAsync(Job job, Action<string> progress, CancellationToken ct)
    {
        var request = job.Request;
        var fleet = new FleetAccess(repoDir, identity);
        if (request.Kind == JobKind.Push)
        {
            return await new PushPipeline(repoDir, identity, push ?? PushOptions.Default, progress, TimeProvider.System)
                .RunAsync(job, (f, requests, c) => DeployAsync(f, requests, progress, c), ct);
        }

        if (request.Kind == JobKind.Rollback)
        {
            var rollback = new RollbackRun(fleet, progress, TimeProvider.System);
            if (!request.Environments.IsEmpty)
            {
                var r = await rollback.EnvironmentAsync(request.Environments[0], request.To, false, null, ct);
                return (r.ExitCode == 0 ? JobState.Succeeded : JobState.Failed, r.ExitCode,
                    r.Outcome == RollbackOutcome.NothingToDo ? "nothing to do" : $"{r.Node}/{r.Environment}: {r.Result?.Outcome.ToString().ToLowerInvariant()} {r.Result?.Release}".Trim());
            }

            var n = await rollback.NodeAsync(request.Nodes[0], request.To, false, null, ct);
            return (n.ExitCode == 0 ? JobState.Succeeded : JobState.Failed, n.ExitCode,
                n.Outcome == RollbackOutcome.NothingToDo ? "nothing to do" : $"{n.Node}: {n.Result?.Outcome.ToString().ToLowerInvariant()}");
        }

        // Environments one after another (each with its node's system stage first, as `deploy --env`), else nodes, else the fleet.
        var requests = !request.Environments.IsEmpty ? request.Environments.Select(e => new DeployRequest(Env: e, SkipGate: request.SkipGate, Resume: request.Resume))
            : !request.Nodes.IsEmpty ? request.Nodes.Select(n => new DeployRequest(Node: n, SkipGate: request.SkipGate, Resume: request.Resume))
            : [new DeployRequest(SkipGate: request.SkipGate, Resume: request.Resume)];
        var (worst, summary) = await DeployAsync(fleet, requests, progress, ct);
        return (worst == 0 ? JobState.Succeeded : JobState.Failed, worst, summary);
    }

    /// <summary>Deploys one request after another with the CLI's engine: the worst exit code and the summaries.</summary>
    private static async Task<(int ExitCode, string Summary)> DeployAsync(FleetAccess fleet, IEnumerable<DeployRequest> requests, Action<string> progress, CancellationToken ct)
    {
        var worst = 0;
        var summaries = new List<string>();
        foreach (var deploy in requests)
        {
            var result = await new DeployRun(fleet, progress, TimeProvider.System).RunAsync(deploy, null, ct);
            var (code, summary) = result.Outcome switch
            {
                DeployOutcome.EmptyFleet => (0, "the plan has no nodes: nothing to deploy"),
                DeployOutcome.NothingToDo => (0, "nothing to do"),
                _ => (result.ExitCode, result.Summary),
            };
            progress(summary);
            summaries.Add(summary);
            worst = Math.Max(worst, code);
        }

        return (worst, string.Join("; ", summaries));
    }

    /// <summary>Environments resolved to userNames, nodes checked, and the nodes the job will hold.</summary>
    internal static (JobRequest Request, ImmutableArray<string> Nodes) Validate(FleetAccess fleet, JobRequest request)
    {
        var plan = fleet.Plan;
        var envs = ImmutableArray.CreateBuilder<string>();
        foreach (var name in request.Environments)
        {
            try
            {
                envs.Add(fleet.Environment(name).UserName);
            }
            catch (OperationRefusedException ex)
            {
                throw new JobRequestException("environments", ex.Message);
            }
        }

        foreach (var node in request.Nodes.Where(n => !plan.Nodes.ContainsKey(n)))
        {
            throw new JobRequestException("nodes", $"node '{node}' is not in the plan; nodes: {string.Join(", ", plan.Nodes.Keys)}");
        }

        if (request.Kind == JobKind.Push && (request.Push is null || envs.Count == 0 || !request.Nodes.IsEmpty))
        {
            throw new JobRequestException("environments", "a push job names what was pushed and the environments that follow it (and no nodes)");
        }

        if (request.Kind == JobKind.Rollback && envs.Count + request.Nodes.Length != 1)
        {
            throw new JobRequestException(envs.Count == 0 ? "environment" : "node", "a rollback names exactly one environment or one node");
        }

        var normalised = request with { Environments = envs.ToImmutable(), Nodes = [.. request.Nodes.Distinct(StringComparer.Ordinal)] };
        var nodes = envs.Select(e => plan.Environments[e].Node).Concat(normalised.Nodes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
        return (normalised, nodes.IsEmpty ? [.. plan.Nodes.Keys] : nodes);
    }

    public static string Describe(JobRequest r) =>
        (r.Kind switch { JobKind.Rollback => "rollback ", JobKind.Push => $"push {r.Push?.Ref} of {r.Push?.Repository}: deploy ", _ => "deploy " })
        + (r.Environments.IsEmpty && r.Nodes.IsEmpty ? "the fleet" : string.Join(", ", r.Environments.Concat(r.Nodes)))
        + (r.To is null ? "" : " to " + r.To);
}
