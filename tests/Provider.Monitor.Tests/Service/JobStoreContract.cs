using System.Collections.Immutable;
using Provider.Monitor.Jobs;

namespace Provider.Monitor.Tests.Service;

/// <summary>What every IJobStore does, run against each backend by a subclass.</summary>
public abstract class JobStoreContract
{
    protected static readonly CancellationToken None = CancellationToken.None;

    protected static readonly JobOrigin Origin = new("alice", "api", "127.0.0.1", "release 7");

    protected abstract Task<IServiceStoreHandle> OpenAsync();

    protected static JobRequest Deploy(params string[] nodes) => new(JobKind.Deploy, [], [.. nodes]);

    protected static Task<Job> EnqueueAsync(IJobStore jobs, params string[] nodes) => jobs.EnqueueAsync(Deploy(nodes), Origin, [.. nodes], None);

    [Fact]
    public async Task Enqueue_ThenGet_RoundTripsRequestOriginAndNodes()
    {
        await using var db = await OpenAsync();
        var request = new JobRequest(JobKind.Rollback, ["shop"], [], To: "r41", Resume: true);
        var queued = await db.Jobs.EnqueueAsync(request, Origin, ["node-b", "node-a", "node-b"], None);

        var job = await db.Jobs.GetAsync(queued.Id, None);

        Assert.NotNull(job);
        Assert.Equal(JobState.Queued, job.State);
        Assert.Equal(["node-a", "node-b"], job.Nodes.AsEnumerable());
        Assert.Equal(request with { Environments = [], Nodes = [] }, job.Request with { Environments = [], Nodes = [] });
        Assert.Equal(["shop"], job.Request.Environments.AsEnumerable());
        Assert.Equal(Origin, job.Origin);
        Assert.Equal(queued.CreatedAt, job.CreatedAt);
        Assert.Equal(queued.Nodes.AsEnumerable(), job.Nodes);
        Assert.Equal((null, null, null, null, null, false), (job.StartedAt, job.FinishedAt, job.ExitCode, job.Summary, job.ClaimedBy, job.CancelRequested));
        Assert.Null(await db.Jobs.GetAsync(queued.Id + 1000, None));
    }

    [Fact]
    public async Task Claim_TakesOldestFirst_AndNothingWhenQueueIsEmpty()
    {
        await using var db = await OpenAsync();
        var first = await EnqueueAsync(db.Jobs, "node-a");
        var second = await EnqueueAsync(db.Jobs, "node-b");
        var third = await EnqueueAsync(db.Jobs, "node-c");

        var claimed = await db.Jobs.ClaimNextAsync("instance-1", None);
        Assert.Equal(first.Id, claimed?.Id);
        Assert.Equal(JobState.Running, claimed?.State);
        Assert.Equal("instance-1", claimed?.ClaimedBy);
        Assert.NotNull(claimed?.StartedAt);
        Assert.Equal(second.Id, (await db.Jobs.ClaimNextAsync("instance-1", None))?.Id);
        Assert.Equal(third.Id, (await db.Jobs.ClaimNextAsync("instance-2", None))?.Id);
        Assert.Null(await db.Jobs.ClaimNextAsync("instance-1", None));
    }

    [Fact]
    public async Task Claim_OneRunningJobPerNode_OtherNodesGoAhead()
    {
        await using var db = await OpenAsync();
        var a1 = await EnqueueAsync(db.Jobs, "node-a");
        var a2 = await EnqueueAsync(db.Jobs, "node-a");
        var b1 = await EnqueueAsync(db.Jobs, "node-b");

        Assert.Equal(a1.Id, (await db.Jobs.ClaimNextAsync("i", None))?.Id);
        Assert.Equal(b1.Id, (await db.Jobs.ClaimNextAsync("i", None))?.Id);
        Assert.Null(await db.Jobs.ClaimNextAsync("i", None));

        await db.Jobs.FinishAsync(a1.Id, JobState.Succeeded, 0, "deployed", None);

        Assert.Equal(a2.Id, (await db.Jobs.ClaimNextAsync("i", None))?.Id);
        var finished = await db.Jobs.GetAsync(a1.Id, None);
        Assert.Equal((JobState.Succeeded, 0, "deployed"), (finished?.State, finished?.ExitCode, finished?.Summary));
        Assert.NotNull(finished?.FinishedAt);
    }

    [Fact]
    public async Task Claim_MultiNodeJob_WaitsForAllItsNodes_AndKeepsItsPlaceBeforeLaterJobs()
    {
        await using var db = await OpenAsync();
        var b = await EnqueueAsync(db.Jobs, "node-b");
        var ab = await EnqueueAsync(db.Jobs, "node-a", "node-b");
        var a = await EnqueueAsync(db.Jobs, "node-a");
        var c = await EnqueueAsync(db.Jobs, "node-c");

        Assert.Equal(b.Id, (await db.Jobs.ClaimNextAsync("i", None))?.Id);
        // The later node-a job does not overtake the queued node-a+b job; node-c is free.
        Assert.Equal(c.Id, (await db.Jobs.ClaimNextAsync("i", None))?.Id);
        Assert.Null(await db.Jobs.ClaimNextAsync("i", None));
        await db.Jobs.FinishAsync(b.Id, JobState.Failed, 1, "failed", None);
        Assert.Equal(ab.Id, (await db.Jobs.ClaimNextAsync("i", None))?.Id);
        Assert.Null(await db.Jobs.ClaimNextAsync("i", None));
        await db.Jobs.FinishAsync(ab.Id, JobState.Succeeded, 0, "ok", None);
        Assert.Equal(a.Id, (await db.Jobs.ClaimNextAsync("i", None))?.Id);
    }

    [Fact]
    public async Task Cancel_QueuedEndsAtOnce_RunningIsRequested_EndedIsRefused()
    {
        await using var db = await OpenAsync();
        var running = await EnqueueAsync(db.Jobs, "node-a");
        var queued = await EnqueueAsync(db.Jobs, "node-a");
        await db.Jobs.ClaimNextAsync("i", None);

        Assert.True(await db.Jobs.RequestCancelAsync(queued.Id, None));
        Assert.True(await db.Jobs.RequestCancelAsync(running.Id, None));

        var cancelled = await db.Jobs.GetAsync(queued.Id, None);
        Assert.Equal(JobState.Cancelled, cancelled?.State);
        Assert.NotNull(cancelled?.FinishedAt);
        var stopping = await db.Jobs.GetAsync(running.Id, None);
        Assert.Equal((JobState.Running, true), (stopping?.State, stopping?.CancelRequested));
        Assert.False(await db.Jobs.RequestCancelAsync(queued.Id, None));
        Assert.False(await db.Jobs.RequestCancelAsync(running.Id + 1000, None));
        Assert.Null(await db.Jobs.ClaimNextAsync("i", None));

        await db.Jobs.FinishAsync(running.Id, JobState.Cancelled, 130, "cancelled", None);
        Assert.False(await db.Jobs.RequestCancelAsync(running.Id, None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.Jobs.FinishAsync(running.Id, JobState.Succeeded, 0, "twice", None));
    }

    [Fact]
    public async Task Events_AreNumberedPerJob_AndResumeExactlyAfterASeq()
    {
        await using var db = await OpenAsync();
        var one = await EnqueueAsync(db.Jobs, "node-a");
        var two = await EnqueueAsync(db.Jobs, "node-b");
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, await db.Jobs.AppendEventAsync(one.Id, "progress", $"line {i}", None));
        }

        Assert.Equal(1, await db.Jobs.AppendEventAsync(two.Id, "progress", "other job", None));
        Assert.Equal(6, await db.Jobs.AppendEventAsync(one.Id, "result", "{\"ok\":true}", None));

        var all = await db.Jobs.GetEventsAsync(one.Id, 0, 100, None);
        Assert.Equal([1L, 2, 3, 4, 5, 6], all.Select(e => e.Seq));
        Assert.Equal("line 1", all[0].Text);
        Assert.Equal(("result", "{\"ok\":true}"), (all[^1].Kind, all[^1].Text));
        Assert.All(all, e => Assert.Equal(one.Id, e.JobId));
        Assert.Equal([3L, 4], (await db.Jobs.GetEventsAsync(one.Id, 2, 2, None)).Select(e => e.Seq));
        Assert.Equal([5L, 6], (await db.Jobs.GetEventsAsync(one.Id, 4, 100, None)).Select(e => e.Seq));
        Assert.Empty(await db.Jobs.GetEventsAsync(one.Id, 6, 100, None));
        Assert.Equal(["other job"], (await db.Jobs.GetEventsAsync(two.Id, 0, 100, None)).Select(e => e.Text));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Jobs.AppendEventAsync(two.Id + 1000, "progress", "nobody's", None));
    }

    [Fact]
    public async Task MarkInterrupted_ByInstance_OrAll_LeavesQueuedAlone()
    {
        await using var db = await OpenAsync();
        var mine = await EnqueueAsync(db.Jobs, "node-a");
        var theirs = await EnqueueAsync(db.Jobs, "node-b");
        var queued = await EnqueueAsync(db.Jobs, "node-a");
        await db.Jobs.ClaimNextAsync("me", None);
        await db.Jobs.ClaimNextAsync("them", None);

        Assert.Equal(1, await db.Jobs.MarkInterruptedAsync("me", None));
        Assert.Equal(JobState.Interrupted, (await db.Jobs.GetAsync(mine.Id, None))?.State);
        Assert.Equal(JobState.Running, (await db.Jobs.GetAsync(theirs.Id, None))?.State);
        Assert.Equal(1, await db.Jobs.MarkInterruptedAsync(null, None));
        Assert.Equal(JobState.Interrupted, (await db.Jobs.GetAsync(theirs.Id, None))?.State);
        Assert.Equal(JobState.Queued, (await db.Jobs.GetAsync(queued.Id, None))?.State);
        Assert.Equal(0, await db.Jobs.MarkInterruptedAsync(null, None));
        // Its node is free again.
        Assert.Equal(queued.Id, (await db.Jobs.ClaimNextAsync("me", None))?.Id);
    }

    [Fact]
    public async Task List_NewestFirst_FilteredByState_WithNodes()
    {
        await using var db = await OpenAsync();
        var jobs = new List<Job>();
        for (var i = 0; i < 5; i++)
        {
            jobs.Add(await EnqueueAsync(db.Jobs, $"node-{i % 2}", "node-x"));
        }

        await db.Jobs.ClaimNextAsync("i", None);

        var all = await db.Jobs.ListAsync(10, null, None);
        Assert.Equal(jobs.Select(j => j.Id).Reverse(), all.Select(j => j.Id));
        Assert.All(all, j => Assert.Equal(2, j.Nodes.Length));
        Assert.Equal(["node-0", "node-x"], all[0].Nodes.AsEnumerable());
        Assert.Equal([jobs[4].Id, jobs[3].Id], (await db.Jobs.ListAsync(2, null, None)).Select(j => j.Id));
        Assert.Equal([jobs[0].Id], (await db.Jobs.ListAsync(10, JobState.Running, None)).Select(j => j.Id));
        Assert.Equal(4, (await db.Jobs.ListAsync(10, JobState.Queued, None)).Length);
    }

    [Fact]
    public async Task Enqueue_WithoutNodes_HoldsNothing()
    {
        await using var db = await OpenAsync();
        await EnqueueAsync(db.Jobs, "node-a");
        var fleet = await db.Jobs.EnqueueAsync(new JobRequest(JobKind.Deploy, [], []), Origin, ImmutableArray<string>.Empty, None);
        await db.Jobs.ClaimNextAsync("i", None);

        var claimed = await db.Jobs.ClaimNextAsync("i", None);
        Assert.Equal(fleet.Id, claimed?.Id);
        Assert.Empty(claimed?.Nodes ?? [""]);
    }
}

public sealed class SqliteJobStoreTests : JobStoreContract
{
    protected override Task<IServiceStoreHandle> OpenAsync() => SqliteServiceStore.CreateAsync();
}
