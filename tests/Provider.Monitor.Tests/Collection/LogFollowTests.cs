using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Provider.Monitor.Collection;
using Provider.Monitor.Storage;

namespace Provider.Monitor.Tests.Collection;

/// <summary>
/// The collect script's log following, run by real bash over real files (the vhost log paths are part of its request):
/// every line arrives exactly once across cycles, rotations (PATH.1), truncation, budgets and lines longer than the budget.
/// </summary>
public sealed class LogFollowTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hostenv-follow-").FullName;
    private readonly CollectTarget target;
    private ImmutableSortedDictionary<string, string> cursors = ImmutableSortedDictionary<string, string>.Empty;
    private int written;

    public LogFollowTests()
    {
        target = new CollectTarget("n1", [], [new CollectedVhost("a.test", "env-a", false, Access, Path.Combine(dir, "a.error.log"))]);
    }

    private string Access => Path.Combine(dir, "a.access.log");

    public void Dispose() => Directory.Delete(dir, true);

    private void Write(int count, int padding = 0)
    {
        using var w = File.AppendText(Access);
        for (var i = 0; i < count; i++, written++)
        {
            w.Write(string.Create(CultureInfo.InvariantCulture, $"1764400000.{written % 1000:000} 200 0.001 5 \"GET /{written} HTTP/1.1\" \"-\" \"t{new string('x', padding)}\" 10.0.0.1\n"));
        }
    }

    private ImmutableArray<LogLine> Cycle(long budget = 1 << 20)
    {
        var psi = new ProcessStartInfo("bash", ["-c", CollectScript.Text, "collect"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(target.Request(cursors, budget, DateTimeOffset.UnixEpoch));
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        var cycle = CollectOutput.Parse(target, stdout.Result, cursors, DateTimeOffset.UnixEpoch);
        cursors = cycle.Cursors;
        return [.. cycle.Lines.Where(l => l.Source == "nginx-access:a.test")];
    }

    private static IEnumerable<int> Requests(IEnumerable<LogLine> lines) =>
        lines.Where(l => l.HttpStatus == 200).Select(l => int.Parse(l.Message.Split(' ')[4].TrimStart('/'), CultureInfo.InvariantCulture));

    [Fact]
    public void EveryLine_ArrivesOnce_AcrossCycles_Rotation_AndTruncation()
    {
        var seen = new List<LogLine>();
        Write(10);
        seen.AddRange(Cycle());
        seen.AddRange(Cycle()); // nothing new
        Write(5);
        // logrotate: move the file aside, nginx reopens a new one; lines written to the old file before reopening still count.
        File.Move(Access, Access + ".1");
        File.AppendAllText(Access + ".1", "1764400001.000 200 0.001 5 \"GET /15 HTTP/1.1\" \"-\" \"t\" 10.0.0.1\n");
        written++;
        Write(7);
        seen.AddRange(Cycle());
        Write(3);
        seen.AddRange(Cycle());

        Assert.Equal(Enumerable.Range(0, written), Requests(seen));
        Assert.All(seen, l => Assert.Equal("env-a", l.Environment));
        Assert.Equal(new DateTimeOffset(2025, 11, 29, 7, 6, 40, TimeSpan.Zero), seen[0].Time);

        // copytruncate-style: the same file shrinks; the collector starts it over and says lines may be missing.
        File.WriteAllText(Access, "");
        Write(2);
        var after = Cycle();
        Assert.Equal([written - 2, written - 1], Requests(after));
    }

    [Fact]
    public void Budget_BringsCompleteLinesOnly_AndTheRestNextCycle()
    {
        File.WriteAllText(Access, "");
        Assert.Empty(Cycle()); // the empty file gets its cursor
        Write(100, padding: 50);
        var seen = new List<LogLine>();
        var cycles = 0;
        for (; cycles < 50 && seen.Count < 100; cycles++)
        {
            var lines = Cycle(budget: 1000);
            Assert.True(lines.Length <= 10, $"a 1000-byte budget brought {lines.Length} lines of over 100 bytes");
            seen.AddRange(lines);
        }

        Assert.True(cycles > 10, "the budget did not spread the backlog over cycles");
        Assert.Equal(Enumerable.Range(0, 100), Requests(seen));
    }

    [Fact]
    public void FirstSight_OfALargeLog_StartsWithItsNewestLines_FromALineStart()
    {
        Write(100, padding: 50);
        var lines = Cycle(budget: 1000);
        Assert.InRange(lines.Length, 1, 9);
        Assert.Equal(Enumerable.Range(100 - lines.Length, lines.Length), Requests(lines));
        Write(1);
        Assert.Equal([100], Requests(Cycle(budget: 1000)));
    }

    [Fact]
    public void LineLongerThanTheBudget_ComesInPieces_AndDoesNotBlockTheLog()
    {
        File.WriteAllText(Access, "");
        Assert.Empty(Cycle());
        File.WriteAllText(Access, new string('z', 3000) + "\n");
        Write(1);
        var pieces = new List<LogLine>();
        for (var i = 0; i < 10 && !Requests(pieces).Any(); i++)
        {
            pieces.AddRange(Cycle(budget: 1000));
        }

        Assert.Equal(3000, pieces.Where(l => l.HttpStatus is null).Sum(l => l.Message.Length));
        Assert.Equal([0], Requests(pieces));
    }
}
