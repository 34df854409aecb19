using Provider.Nodes.Ssh;
using Provider.Nodes.Tests.Fixtures;

namespace Provider.Nodes.Tests.Ssh;

/// <summary>
/// Reads carried ahead in another command's trip (SshNodeSession.CarryReadAhead), against a real sshd on loopback. The
/// sshd runs on this machine, so a test changes a file between the batched trip and the later read: the old content
/// proves the answer came from the batch, the new one that the command ran again.
/// </summary>
public sealed class SshReadAheadTests(SshdFixture sshd) : IClassFixture<SshdFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string dir = Directory.CreateTempSubdirectory("hp-readahead-").FullName;

    private RemoteCommand Take => RemoteCommand.Shell("mkdir \"$1/lock\" 2>/dev/null && echo ACQUIRED || echo HELD", dir);

    private RemoteCommand Read(string name) => RemoteCommand.Shell("echo ran >> \"$1/$2.log\"; cat \"$1/$2\"", dir, name);

    private string Log(string name) => File.Exists(Path.Combine(dir, name + ".log")) ? File.ReadAllText(Path.Combine(dir, name + ".log")) : "";

    [Fact]
    public async Task CarriedReads_RunInTheFirstCommandsTrip_AndAreAnsweredOnceWithoutATrip()
    {
        File.WriteAllText(Path.Combine(dir, "generation"), "gen-1\n");
        File.WriteAllText(Path.Combine(dir, "state"), "state-1\n");
        await using var session = await sshd.ConnectAsync();
        session.CarryReadAhead("ACQUIRED", [new(Read("generation"), "gen-1"), new(Read("state"))]);

        var taken = await session.RunAsync(Take, Timeout, CancellationToken.None);
        Assert.Equal("ACQUIRED\n", taken.Stdout);
        Assert.Equal(("ran\n", "ran\n"), (Log("generation"), Log("state"))); // both ran in that one trip
        File.WriteAllText(Path.Combine(dir, "state"), "state-2\n");

        Assert.Equal("gen-1\n", (await session.RunAsync(Read("generation"), Timeout, CancellationToken.None)).Stdout);
        Assert.Equal("state-1\n", (await session.RunAsync(Read("state"), Timeout, CancellationToken.None)).Stdout);
        Assert.Equal(("ran\n", "ran\n"), (Log("generation"), Log("state")));
        // Taken once: the next identical command makes its own trip and sees the change.
        Assert.Equal("state-2\n", (await session.RunAsync(Read("state"), Timeout, CancellationToken.None)).Stdout);
        Assert.Equal("ran\nran\n", Log("state"));
    }

    [Fact]
    public async Task FirstCommandsConditionFails_NoReadRuns_AndEachRunsWhenAsked()
    {
        Directory.CreateDirectory(Path.Combine(dir, "lock")); // held: the command prints HELD
        File.WriteAllText(Path.Combine(dir, "state"), "state-1\n");
        await using var session = await sshd.ConnectAsync();
        session.CarryReadAhead("ACQUIRED", [new(Read("state"))]);

        Assert.Equal("HELD\n", (await session.RunAsync(Take, Timeout, CancellationToken.None)).Stdout);
        Assert.Equal("", Log("state"));
        Assert.Equal("state-1\n", (await session.RunAsync(Read("state"), Timeout, CancellationToken.None)).Stdout);
        Assert.Equal("ran\n", Log("state"));
    }

    [Fact]
    public async Task ReadsCondition_StopsTheReadsAfterIt()
    {
        File.WriteAllText(Path.Combine(dir, "generation"), "gen-old\n");
        File.WriteAllText(Path.Combine(dir, "state"), "state-1\n");
        await using var session = await sshd.ConnectAsync();
        session.CarryReadAhead("ACQUIRED", [new(Read("generation"), "gen-new"), new(Read("state"))]);

        await session.RunAsync(Take, Timeout, CancellationToken.None);
        Assert.Equal(("ran\n", ""), (Log("generation"), Log("state")));
        File.WriteAllText(Path.Combine(dir, "generation"), "gen-changed\n");
        // The read whose condition failed still answers from the batch (it did run); the one after it runs now.
        Assert.Equal("gen-old\n", (await session.RunAsync(Read("generation"), Timeout, CancellationToken.None)).Stdout);
        Assert.Equal("state-1\n", (await session.RunAsync(Read("state"), Timeout, CancellationToken.None)).Stdout);
        Assert.Equal("ran\n", Log("state"));
    }

    [Fact]
    public async Task CarriedResults_KeepExitCodeStderrAndBytes_AsTheirOwnTripWould()
    {
        var odd = RemoteCommand.Shell("printf 'l\\303\\244ng\\n\\n  two\\t\\n'; printf 'warn \\342\\202\\254\\n' >&2; exit 3");
        var empty = RemoteCommand.Shell("true");
        await using var session = await sshd.ConnectAsync();
        var direct = (await session.RunAsync(odd, Timeout, CancellationToken.None), await session.RunAsync(empty, Timeout, CancellationToken.None));

        session.CarryReadAhead("ACQUIRED", [new(odd), new(empty)]);
        await session.RunAsync(Take, Timeout, CancellationToken.None);
        var ahead = (await session.RunAsync(odd, Timeout, CancellationToken.None), await session.RunAsync(empty, Timeout, CancellationToken.None));

        Assert.Equal(new CommandResult(3, "läng\n\n  two\t\n", "warn €\n"), ahead.Item1);
        Assert.Equal(new CommandResult(0, "", ""), ahead.Item2);
        // A trip of its own runs through the login's shell, whose start-up may add lines to stderr on this machine
        // (a profile script's warnings); the command's own output is the same.
        Assert.Equal((direct.Item1.ExitCode, direct.Item1.Stdout), (ahead.Item1.ExitCode, ahead.Item1.Stdout));
        Assert.EndsWith("warn €\n", direct.Item1.Stderr, StringComparison.Ordinal);
        Assert.Equal((direct.Item2.ExitCode, direct.Item2.Stdout), (0, ""));
    }

    [Fact]
    public async Task DropReadAhead_ForgetsWaitingAndCarriedReads()
    {
        File.WriteAllText(Path.Combine(dir, "state"), "state-1\n");
        await using var session = await sshd.ConnectAsync();
        session.CarryReadAhead("ACQUIRED", [new(Read("state"))]);
        await session.RunAsync(Take, Timeout, CancellationToken.None);
        File.WriteAllText(Path.Combine(dir, "state"), "state-2\n");
        session.DropReadAhead();
        Assert.Equal("state-2\n", (await session.RunAsync(Read("state"), Timeout, CancellationToken.None)).Stdout);

        session.CarryReadAhead("ACQUIRED", [new(Read("state"))]);
        session.DropReadAhead();
        Directory.Delete(Path.Combine(dir, "lock"));
        await session.RunAsync(Take, Timeout, CancellationToken.None);
        Assert.Equal("ran\nran\n", Log("state")); // the batch's run, then the one after the drop; the dropped carry never ran
    }

    [Fact]
    public async Task CommandWithStdin_DoesNotCarryTheReads()
    {
        File.WriteAllText(Path.Combine(dir, "state"), "state-1\n");
        await using var session = await sshd.ConnectAsync();
        session.CarryReadAhead("ACQUIRED", [new(Read("state"))]);
        Assert.Equal("typed", (await session.RunAsync(RemoteCommand.Exec("cat"), Timeout, "typed", CancellationToken.None)).Stdout);
        Assert.Equal("", Log("state"));
        Assert.Equal("ACQUIRED\n", (await session.RunAsync(Take, Timeout, CancellationToken.None)).Stdout);
        Assert.Equal("ran\n", Log("state"));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
