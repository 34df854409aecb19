using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Provider.Monitor.Jobs;
using Provider.Monitor.Notify;
using Provider.Monitor.Tests.Storage;
using Provider.Planning.Model;

namespace Provider.Monitor.Tests.Notify;

public sealed class JobNotifierTests
{
    private const string Secret = "T0PSECRET-b7c1";

    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Short delays so retries take milliseconds; the shape (5 attempts, doubling) is the default's.</summary>
    private static readonly JobNotifierOptions Fast = JobNotifierOptions.Default with
    {
        FirstDelay = TimeSpan.FromMilliseconds(100),
        Timeout = TimeSpan.FromSeconds(5),
        DrainTimeout = TimeSpan.FromSeconds(10),
    };

    private readonly ConcurrentQueue<string> log = new();

    private static Job EndedJob(long id = 7, string reason = "release 1.2") => new(
        id,
        new JobRequest(JobKind.Deploy, ["demo-main-3a65ba5"], []),
        new JobOrigin("alice", "api", "10.9.8.7", reason),
        ["node-a"],
        JobState.Running,
        T0,
        T0.AddSeconds(1),
        null,
        null,
        null,
        "instance-1",
        false);

    private static NotifyTarget Target(string name, Uri url, NotifyFormat format, params NotifyEvent[] on) =>
        new(name, url.ToString(), null, format, on.Length == 0 ? NotifyNames.AllEvents : [.. on]);

    private JobNotifier Notifier(IEnumerable<NotifyTarget> targets, JobNotifierOptions? options = null, Func<string, string?>? env = null) =>
        new(targets, options ?? Fast, log.Enqueue, env ?? (_ => null), time: new StoppedClock(T0.AddMinutes(3)));

    private string Log => string.Join("\n", log);

    [Fact]
    public async Task Notify_Slack_PostsOnlyATextLineAboutTheJob()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using (var notifier = Notifier([Target("ops", receiver.Address, NotifyFormat.Slack)]))
        {
            await notifier.NotifyAsync(EndedJob(reason: "<!channel> fix"), JobState.Succeeded, 0, "node-a: activated");
        }

        var request = Assert.Single(receiver.Requests);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        var body = JsonNode.Parse(request.Body)!.AsObject();
        Assert.Equal(["text"], body.Select(p => p.Key));
        var text = body["text"]!.GetValue<string>();
        Assert.Contains("deploy demo-main-3a65ba5 succeeded (job 7, exit code 0): node-a: activated", text, StringComparison.Ordinal);
        Assert.Contains("Requested by alice via api: &lt;!channel&gt; fix", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_Discord_PostsContentAndMentionsNobody()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using (var notifier = Notifier([Target("chat", receiver.Address, NotifyFormat.Discord)]))
        {
            await notifier.NotifyAsync(EndedJob(reason: "@everyone look"), JobState.Failed, 3, "node-a: rolledback");
        }

        var body = JsonNode.Parse(Assert.Single(receiver.Requests).Body)!.AsObject();
        Assert.Equal(["content", "allowed_mentions"], body.Select(p => p.Key));
        Assert.Contains("failed and was rolled back (job 7, exit code 3)", body["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(body["allowed_mentions"]!["parse"]!.AsArray());
    }

    [Fact]
    public async Task Notify_Json_PostsTheEventAndTheJobFieldsOnly()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using (var notifier = Notifier([Target("audit", receiver.Address, NotifyFormat.Json)]))
        {
            await notifier.NotifyAsync(EndedJob(), JobState.Cancelled, 130, "cancelled");
        }

        var body = JsonNode.Parse(Assert.Single(receiver.Requests).Body)!.AsObject();
        Assert.Equal("job.cancelled", body["event"]!.GetValue<string>());
        var job = body["job"]!.AsObject();
        Assert.Equal(
            ["actor", "createdAt", "environments", "exitCode", "finishedAt", "id", "kind", "nodes", "reason", "state", "summary", "via"],
            job.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(7, job["id"]!.GetValue<long>());
        Assert.Equal("deploy", job["kind"]!.GetValue<string>());
        Assert.Equal("cancelled", job["state"]!.GetValue<string>());
        Assert.Equal(130, job["exitCode"]!.GetValue<int>());
        Assert.Equal(["demo-main-3a65ba5"], job["environments"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["node-a"], job["nodes"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(T0, job["createdAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(T0.AddMinutes(3), job["finishedAt"]!.GetValue<DateTimeOffset>()); // not yet stored on the job: the notifier's clock
        Assert.DoesNotContain("10.9.8.7", body.ToJsonString(), StringComparison.Ordinal); // the requester's address is not for third parties
    }

    [Fact]
    public async Task Notify_ReceiverFailsTwice_RetriesWithDoublingDelaysUntilItAccepts()
    {
        await using var receiver = await WebhookReceiver.StartAsync(n => new Answer(n < 2 ? 500 : 200));
        await using (var notifier = Notifier([Target("ops", receiver.Address, NotifyFormat.Json)]))
        {
            await notifier.NotifyAsync(EndedJob(), JobState.Succeeded, 0, "ok");
            await receiver.WaitForAsync(3);
        }

        var r = receiver.Requests;
        Assert.Equal(3, r.Count);
        Assert.All(r, x => Assert.Equal(r[0].Body, x.Body));
        Assert.True(r[1].At - r[0].At >= TimeSpan.FromMilliseconds(90), $"first retry after {r[1].At - r[0].At}");
        Assert.True(r[2].At - r[1].At >= TimeSpan.FromMilliseconds(190), $"second retry after {r[2].At - r[1].At}");
        Assert.Contains("notify 'ops': job 7 (succeeded) attempt 1 failed: HTTP 500; retrying in 0.1 s", Log, StringComparison.Ordinal);
        Assert.Contains("attempt 2 failed: HTTP 500; retrying in 0.2 s", Log, StringComparison.Ordinal);
        Assert.DoesNotContain("gave up", Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_ReceiverAlwaysFails_StopsAfterFiveAttemptsAndLogsIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => new Answer(503));
        await using (var notifier = Notifier([Target("ops", receiver.Address, NotifyFormat.Json)], Fast with { FirstDelay = TimeSpan.FromMilliseconds(10) }))
        {
            await notifier.NotifyAsync(EndedJob(), JobState.Failed, 1, "boom");
        }

        Assert.Equal(5, receiver.Requests.Count);
        Assert.Contains("notify 'ops': gave up on job 7 (failed) after 5 attempt(s): HTTP 503", Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_ReceiverRefuses_GivesUpAtOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => new Answer(400));
        await using (var notifier = Notifier([Target("ops", receiver.Address, NotifyFormat.Slack)]))
        {
            await notifier.NotifyAsync(EndedJob(), JobState.Succeeded, 0, "ok");
        }

        Assert.Single(receiver.Requests);
        Assert.Contains("notify 'ops': gave up on job 7 (succeeded) after 1 attempt(s): HTTP 400", Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_TooManyRequestsWithRetryAfter_WaitsAsAsked()
    {
        await using var receiver = await WebhookReceiver.StartAsync(n => n == 0 ? new Answer(429, RetryAfter: "1") : new Answer(204));
        await using (var notifier = Notifier([Target("ops", receiver.Address, NotifyFormat.Json)], Fast with { FirstDelay = TimeSpan.FromMilliseconds(10) }))
        {
            await notifier.NotifyAsync(EndedJob(), JobState.Succeeded, 0, "ok");
            await receiver.WaitForAsync(2);
        }

        var r = receiver.Requests;
        Assert.True(r[1].At - r[0].At >= TimeSpan.FromMilliseconds(950), $"retried after {r[1].At - r[0].At}");
        Assert.Contains("HTTP 429; retrying in 1 s", Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_ReceiverDoesNotAnswerInTime_RetriesAsATimeout()
    {
        await using var receiver = await WebhookReceiver.StartAsync(n => new Answer(200, Pause: n == 0 ? TimeSpan.FromSeconds(5) : default));
        await using (var notifier = Notifier([Target("ops", receiver.Address, NotifyFormat.Json)], Fast with { Timeout = TimeSpan.FromMilliseconds(300) }))
        {
            await notifier.NotifyAsync(EndedJob(), JobState.Succeeded, 0, "ok");
            await receiver.WaitForAsync(2);
        }

        Assert.Contains("attempt 1 failed: no answer within 0.3 s", Log, StringComparison.Ordinal);
        Assert.DoesNotContain("gave up", Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_SlowReceiver_ReturnsAtOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => new Answer(500, Pause: TimeSpan.FromSeconds(3)));
        var notifier = Notifier([Target("ops", receiver.Address, NotifyFormat.Json), Target("chat", receiver.Address, NotifyFormat.Slack)],
            Fast with { DrainTimeout = TimeSpan.FromMilliseconds(200) });
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= 20; i++)
        {
            var pending = notifier.NotifyAsync(EndedJob(i), JobState.Failed, 1, "boom");
            Assert.True(pending.IsCompleted);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500), $"20 notifications took {clock.Elapsed}");
        await receiver.WaitForAsync(1);
        await notifier.DisposeAsync(); // gives up on what is left after DrainTimeout, rather than waiting for the receiver
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"stopping took {clock.Elapsed}");
        Assert.Contains("not delivered: the service stopped", Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_UrlFromEnvironment_NeverLogsOrPostsTheSecret()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => new Answer(404));
        var url = new Uri(receiver.Address, $"services/{Secret}/hook").ToString();
        var targets = new[] { new NotifyTarget("ops", null, "OPS_HOOK", NotifyFormat.Slack, NotifyNames.AllEvents) };
        await using (var notifier = Notifier(targets, env: name => name == "OPS_HOOK" ? url : null))
        {
            await notifier.NotifyAsync(EndedJob(), JobState.Failed, 1, "boom");
        }

        var request = Assert.Single(receiver.Requests);
        Assert.Contains(Secret, request.Path, StringComparison.Ordinal); // posted to the URL from the environment
        Assert.DoesNotContain(Secret, request.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(receiver.Address.Authority, request.Body, StringComparison.Ordinal);
        Assert.Contains("notify 'ops': gave up on job 7 (failed) after 1 attempt(s): HTTP 404", Log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, Log, StringComparison.Ordinal);
        Assert.DoesNotContain(receiver.Address.Authority, Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_NothingListening_LogsTheTargetNameWithoutItsUrl()
    {
        var closed = new Uri($"http://127.0.0.1:9/{Secret}");
        var targets = new[] { new NotifyTarget("ops", null, "OPS_HOOK", NotifyFormat.Json, NotifyNames.AllEvents) };
        await using (var notifier = Notifier(targets, Fast with { Attempts = 2, FirstDelay = TimeSpan.FromMilliseconds(10) }, _ => closed.ToString()))
        {
            await notifier.NotifyAsync(EndedJob(), JobState.Succeeded, 0, "ok");
        }

        Assert.Contains("notify 'ops': gave up on job 7 (succeeded) after 2 attempt(s): cannot connect (", Log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, Log, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_UrlEnvNotSet_SaysWhichVariableAndSkipsTheTarget()
    {
        var targets = new[] { new NotifyTarget("ops", null, "OPS_HOOK", NotifyFormat.Json, NotifyNames.AllEvents) };
        await using (var notifier = Notifier(targets))
        {
            await notifier.NotifyAsync(EndedJob(), JobState.Succeeded, 0, "ok");
        }

        Assert.Equal("notify 'ops': environment variable OPS_HOOK is not set; this webhook is skipped", Assert.Single(log));
    }

    [Theory]
    [InlineData(JobState.Succeeded, 0, "/succeeded")]
    [InlineData(JobState.Failed, 1, "/failed")]
    [InlineData(JobState.Failed, 3, "/rolled-back")]
    [InlineData(JobState.Cancelled, 130, "/cancelled")]
    [InlineData(JobState.Interrupted, 130, "/any")]
    public async Task Notify_OnlyTargetsThatAskForTheEnd_ArePosted(JobState state, int exitCode, string expected)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var targets = new[]
        {
            Target("s", new Uri(receiver.Address, "succeeded"), NotifyFormat.Json, NotifyEvent.Succeeded),
            Target("f", new Uri(receiver.Address, "failed"), NotifyFormat.Json, NotifyEvent.Failed),
            Target("r", new Uri(receiver.Address, "rolled-back"), NotifyFormat.Json, NotifyEvent.RolledBack),
            Target("c", new Uri(receiver.Address, "cancelled"), NotifyFormat.Json, NotifyEvent.Cancelled),
            Target("i", new Uri(receiver.Address, "any"), NotifyFormat.Json, NotifyEvent.Interrupted),
        };
        await using (var notifier = Notifier(targets))
        {
            await notifier.NotifyAsync(EndedJob(), state, exitCode, "x");
        }

        Assert.Equal(expected, Assert.Single(receiver.Requests).Path);
    }

    [Fact]
    public async Task JobRunner_JobEnds_TellsTheNotifierAfterStoringTheResult()
    {
        await using var db = await TempStore.CreateAsync();
        var jobs = db.Sqlite.Jobs;
        var seen = new TaskCompletionSource<(Job Job, JobState State, int ExitCode, string Summary, JobState Stored)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new RecordingNotifier(async (job, state, code, summary) =>
            seen.TrySetResult((job, state, code, summary, (await jobs.GetAsync(job.Id, CancellationToken.None))!.State)));
        var job = await jobs.EnqueueAsync(new JobRequest(JobKind.Deploy, [], ["node-a"]), new JobOrigin("alice", "api", null, null), ["node-a"], CancellationToken.None);
        using var runner = new JobRunner(db.Directory, null, jobs, "i1", new JobRunnerOptions(1, TimeSpan.FromMilliseconds(50)), null, recorder);
        using var stop = new CancellationTokenSource();
        var running = runner.RunAsync(true, stop.Token);

        var told = await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await running.ContinueWith(_ => { }, TaskScheduler.Default); // a stop may end the runner's loop with OperationCanceledException

        Assert.Equal(job.Id, told.Job.Id);
        Assert.Equal((JobState.Failed, 1, JobState.Failed), (told.State, told.ExitCode, told.Stored)); // no plan in the directory
        Assert.Contains("hostenv-provider plan", told.Summary, StringComparison.Ordinal);
    }

    private sealed class RecordingNotifier(Func<Job, JobState, int, string, Task> record) : IJobNotifier
    {
        public ValueTask NotifyAsync(Job job, JobState state, int exitCode, string summary)
        {
            _ = record(job, state, exitCode, summary);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Now is fixed (finishedAt is predictable); timers are real, so retries really wait.</summary>
    private sealed class StoppedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
