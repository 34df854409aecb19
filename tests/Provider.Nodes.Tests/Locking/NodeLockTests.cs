using Provider.Nodes.Locking;
using Provider.Nodes.Ssh;
using Provider.Nodes.Tests.Fixtures;

namespace Provider.Nodes.Tests.Locking;

public sealed class NodeLockTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    private NodeLockOptions Options(string name) => new(Path.Combine(sshd.Dir, "locks-" + name, "lock"), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));

    private static NodeLockOwner Owner(string command) => NodeLockOwner.ForThisProcess(command, TimeProvider.System);

    [Fact]
    public async Task Acquire_WhileHeld_ReportsOwner_ThenReleaseFreesIt()
    {
        var options = Options("held");
        await using var a = await sshd.ConnectAsync();
        await using var b = await sshd.ConnectAsync();
        var first = await NodeLock.AcquireAsync(a, Owner("deploy --node test-node"), options, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<NodeLockHeldException>(() => NodeLock.AcquireAsync(b, Owner("deploy"), options, CancellationToken.None));
        Assert.False(ex.Stale);
        Assert.Contains("deploy --node test-node", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", ex.Message, StringComparison.Ordinal);

        await first.DisposeAsync();
        Assert.False(Directory.Exists(options.Path));
        await using var second = await NodeLock.AcquireAsync(b, Owner("deploy"), options, CancellationToken.None);
    }

    [Fact]
    public async Task Acquire_EightConcurrentTakers_ExactlyOneWins()
    {
        var options = Options("race");
        var sessions = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => sshd.ConnectAsync()));
        try
        {
            var attempts = sessions.Select(s => NodeLock.AcquireAsync(s, Owner("race"), options, CancellationToken.None)).ToList();
            var outcomes = await Task.WhenAll(attempts.Select(async t =>
            {
                try
                {
                    return await t;
                }
                catch (NodeLockHeldException)
                {
                    return null;
                }
            }));
            Assert.Single(outcomes, o => o is not null);
            foreach (var o in outcomes.OfType<NodeLock>())
            {
                await o.DisposeAsync();
            }
        }
        finally
        {
            foreach (var s in sessions)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Heartbeat_KeepsLockFresh()
    {
        var options = Options("beat") with { StaleAfter = TimeSpan.FromSeconds(2) };
        await using var a = await sshd.ConnectAsync();
        await using var b = await sshd.ConnectAsync();
        await using var held = await NodeLock.AcquireAsync(a, Owner("long deploy"), options, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(3.5)); // longer than StaleAfter: only the heartbeat keeps it fresh
        var ex = await Assert.ThrowsAsync<NodeLockHeldException>(() => NodeLock.AcquireAsync(b, Owner("x"), options, CancellationToken.None));
        Assert.False(ex.Stale, ex.Message);
        Assert.Null(held.HeartbeatFailure);
    }

    [Fact]
    public async Task Acquire_OldHeartbeat_IsReportedStale_AndForceUnlockRemovesIt()
    {
        var options = Options("stale") with { StaleAfter = TimeSpan.FromSeconds(60) };
        Directory.CreateDirectory(options.Path);
        var ownerFile = Path.Combine(options.Path, "owner.json");
        File.WriteAllText(ownerFile, "{\"User\":\"ci\",\"Host\":\"runner-7\",\"Pid\":4242,\"Command\":\"deploy\",\"Started\":\"2026-11-24T10:00:00.0000000+00:00\",\"Token\":\"t\"}");
        File.SetLastWriteTimeUtc(ownerFile, DateTime.UtcNow.AddMinutes(-10));
        await using var s = await sshd.ConnectAsync();

        var ex = await Assert.ThrowsAsync<NodeLockHeldException>(() => NodeLock.AcquireAsync(s, Owner("deploy"), options, CancellationToken.None));
        Assert.True(ex.Stale);
        Assert.Contains("STALE", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ci@runner-7 pid 4242", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--force-unlock", ex.Message, StringComparison.Ordinal);

        var removed = await NodeLock.ForceUnlockAsync(s, options, CancellationToken.None);
        Assert.Equal(4242, removed?.Pid);
        await using var mine = await NodeLock.AcquireAsync(s, Owner("deploy"), options, CancellationToken.None);
    }

    [Fact]
    public async Task Release_AfterForceUnlockByOthers_DoesNotDeleteTheirLock()
    {
        var options = Options("steal");
        await using var a = await sshd.ConnectAsync();
        await using var b = await sshd.ConnectAsync();
        var mine = await NodeLock.AcquireAsync(a, Owner("slow"), options, CancellationToken.None);
        await NodeLock.ForceUnlockAsync(b, options, CancellationToken.None);
        await using var theirs = await NodeLock.AcquireAsync(b, Owner("new"), options, CancellationToken.None);
        await mine.DisposeAsync();
        Assert.True(Directory.Exists(options.Path), "releasing a stolen lock removed the new owner's lock");
    }
}
