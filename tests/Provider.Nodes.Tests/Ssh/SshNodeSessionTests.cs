using System.Diagnostics;
using System.Text;
using Provider.Nodes.Ssh;
using Provider.Nodes.Tests.Fixtures;

namespace Provider.Nodes.Tests.Ssh;

public sealed class SshNodeSessionTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Run_CapturesExitCodeStdoutAndStderr()
    {
        await using var session = await sshd.ConnectAsync();
        var r = await session.RunAsync(RemoteCommand.Shell("echo out; echo err >&2; exit 7"), Timeout, CancellationToken.None);
        Assert.Equal(7, r.ExitCode);
        Assert.Equal("out\n", r.Stdout);
        Assert.Equal("err\n", r.Stderr);
    }

    [Fact]
    public async Task Run_OneConnectionServesManyCommands()
    {
        await using var session = await sshd.ConnectAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n",
                (await session.RunAsync(RemoteCommand.Exec("echo", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Timeout, CancellationToken.None)).Stdout);
        }

        Assert.Single(sshd.SessionPids());
    }

    [Fact]
    public void HostKeyPin_MatchesSshKeygenFingerprint()
    {
        var expected = SshdFixture.KeyFingerprint(Path.Combine(sshd.Dir, "host_ed25519.pub"));
        Assert.Equal(expected, HostKeyPin.Parse(sshd.HostKeyLine).Fingerprint);
    }

    [Fact]
    public async Task Connect_WrongPinnedKey_RefusedWithBothFingerprints()
    {
        var other = sshd.KeyGen("other_" + Guid.NewGuid().ToString("N")[..6]);
        var otherLine = string.Join(' ', File.ReadAllText(other + ".pub").Split(' ').Take(2));
        var ex = await Assert.ThrowsAsync<HostKeyMismatchException>(() => sshd.ConnectAsync(otherLine));
        Assert.Contains(SshdFixture.KeyFingerprint(other + ".pub"), ex.Message, StringComparison.Ordinal);
        Assert.Contains(SshdFixture.KeyFingerprint(Path.Combine(sshd.Dir, "host_ed25519.pub")), ex.Message, StringComparison.Ordinal);
        Assert.Contains("test-node", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeHostKey_ReturnsPresentedKeyWithoutTrustingIt()
    {
        var (line, fingerprint) = await SshNodeSession.ProbeHostKeyAsync("127.0.0.1", sshd.Port, CancellationToken.None);
        Assert.Equal(sshd.HostKeyLine, line);
        Assert.Equal(SshdFixture.KeyFingerprint(Path.Combine(sshd.Dir, "host_ed25519.pub")), fingerprint);
    }

    /// <summary>What the remote shell receives equals the input, for 10,000 hostile generated strings.</summary>
    [Fact]
    public async Task ShellQuote_TenThousandGeneratedStrings_ArriveByteForByte()
    {
        var inputs = QuoteCorpus.Generate(10_000, seed: 20261124);
        await using var session = await sshd.ConnectAsync();
        var checkedCount = 0;
        foreach (var batch in Batches(inputs, maxChars: 60_000))
        {
            var r = await session.RunAsync(RemoteCommand.Exec(["printf", "%s\\0", .. batch]), Timeout, CancellationToken.None);
            Assert.True(r.Success, r.Stderr);
            var received = r.Stdout.Split('\0')[..^1];
            Assert.Equal(batch, received);
            checkedCount += received.Length;
        }

        Assert.Equal(10_000, checkedCount);
    }

    [Fact]
    public async Task ShellScript_PositionalArguments_AreNotInterpreted()
    {
        await using var session = await sshd.ConnectAsync();
        var hostile = "$(touch /tmp/pwned-hostenv); `id`; '\"\n*";
        var r = await session.RunAsync(RemoteCommand.Shell("printf '%s' \"$1\"", hostile), Timeout, CancellationToken.None);
        Assert.Equal(hostile, r.Stdout);
        Assert.False(File.Exists("/tmp/pwned-hostenv"));
    }

    [Fact]
    public void ShellQuote_Nul_IsRejected() => Assert.Throws<ArgumentException>(() => ShellQuote.Arg("a\0b"));

    [Fact]
    public async Task Stdin_ReachesTheCommand_NotTheCommandLine()
    {
        await using var session = await sshd.ConnectAsync();
        var r = await session.RunAsync(RemoteCommand.Exec("cat"), Timeout, "s3cret-value\n", CancellationToken.None);
        Assert.Equal("s3cret-value\n", r.Stdout);
    }

    [Fact]
    public async Task Upload_WritesContentAndModeAtomically()
    {
        await using var session = await sshd.ConnectAsync();
        var path = Path.Combine(sshd.Dir, "uploaded.txt");
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("hostenv ✓ ", 50_000)));
        await session.UploadAsync(new MemoryStream(content), path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, CancellationToken.None);
        Assert.Equal(content, await File.ReadAllBytesAsync(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
        Assert.Empty(Directory.GetFiles(sshd.Dir, "*hostenv-upload*"));
    }

    [Fact]
    public async Task Run_Timeout_ReturnsInTimeAndStopsRemoteProcess()
    {
        await using var session = await sshd.ConnectAsync();
        var marker = Path.Combine(sshd.Dir, "pid-" + Guid.NewGuid().ToString("N")[..6]);
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<NodeConnectionException>(() =>
            session.RunAsync(RemoteCommand.Shell("echo $$ > \"$1\"; exec sleep 30", marker), TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        Assert.Contains("timed out", ex.Message, StringComparison.Ordinal);
        var pid = int.Parse(File.ReadAllText(marker).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await Gone(pid), $"remote process {pid} still running after the timeout");
    }

    [Fact]
    public async Task Run_Cancelled_ThrowsOperationCanceled()
    {
        await using var session = await sshd.ConnectAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.RunAsync(RemoteCommand.Exec("sleep", "30"), Timeout, cts.Token));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Run_ConnectionCutMidCommand_GivesClearError()
    {
        await using var session = await sshd.ConnectAsync();
        var before = sshd.SessionPids();
        var run = session.RunAsync(RemoteCommand.Exec("sleep", "30"), Timeout, CancellationToken.None);
        await Task.Delay(500);
        foreach (var pid in sshd.SessionPids())
        {
            Process.GetProcessById(pid).Kill(); // the server-side process of our connection, not the listener
        }

        Assert.NotEmpty(before);
        var ex = await Assert.ThrowsAsync<NodeConnectionException>(() => run);
        Assert.Contains("test-node", ex.Message, StringComparison.Ordinal);
        Assert.Contains("lost", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<bool> Gone(int pid)
    {
        for (var i = 0; i < 50; i++)
        {
            if (!Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static IEnumerable<string[]> Batches(IReadOnlyList<string> items, int maxChars)
    {
        var batch = new List<string>();
        var size = 0;
        foreach (var s in items)
        {
            if (size + s.Length > maxChars && batch.Count > 0)
            {
                yield return [.. batch];
                batch.Clear();
                size = 0;
            }

            batch.Add(s);
            size += (s.Length * 4) + 3;
        }

        if (batch.Count > 0)
        {
            yield return [.. batch];
        }
    }
}

/// <summary>Hostile strings for the quoting property test: quotes, newlines, $(), backticks, globs, controls, non-ASCII.</summary>
public static class QuoteCorpus
{
    private static readonly string[] Pieces =
    [
        "'", "\"", "\\", "$", "$(id)", "`id`", "${HOME}", "*", "?", "[a-z]", "~", " ", "\t", "\n", "\r", ";", "&", "|", ">", "<",
        "(", ")", "{", "}", "#", "!", "%", "-", "--", "-e", "=", "é", "ß", "漢字", "🙂", "e\u0301", "\u200b", "\u0001", "\u001b[31m", "\u007f",
        "a", "Z", "0", "plain", ".", "/", ",", "@",
    ];

    public static List<string> Generate(int count, int seed)
    {
        var rng = new Random(seed);
        var result = new List<string> { "", "'", "''", "\n", "-n", "--", "$", "~root" };
        while (result.Count < count)
        {
            var sb = new StringBuilder();
            var parts = rng.Next(1, 12);
            for (var i = 0; i < parts; i++)
            {
                sb.Append(rng.Next(4) == 0 ? (char)rng.Next(1, 0x2FF) : Pieces[rng.Next(Pieces.Length)]);
            }

            var s = sb.ToString();
            if (!char.IsSurrogate(s[^1]))
            {
                result.Add(s);
            }
        }

        return result;
    }
}
