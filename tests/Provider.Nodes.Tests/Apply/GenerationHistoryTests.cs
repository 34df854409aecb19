using Provider.Nodes.Apply;

namespace Provider.Nodes.Tests.Apply;

public sealed class GenerationHistoryTests
{
    private static string Id(char c) => new(c, 64);

    private static GenerationHistory History(string current, params string[] lines) =>
        GenerationHistory.Parse($"current {current}\n" + string.Join("\n", lines) + "\n");

    [Fact]
    public void Default_IsNewestConfirmedBeforeCurrent_SkippingWatchdogRolledBack()
    {
        var h = History(Id('c'),
            $"index 1 {Id('a')}", $"index 2 {Id('b')}", $"index 3 {Id('c')}",
            $"log 100 {Id('a')} deploy", $"log 101 {Id('a')} confirmed",
            $"log 200 {Id('b')} deploy", $"log 230 {Id('a')} watchdog:{Id('b')}",
            $"log 300 {Id('c')} deploy", $"log 301 {Id('c')} confirmed",
            $"present {Id('a')}", $"present {Id('b')}", $"present {Id('c')}");

        var target = h.ResolveTarget(null);

        Assert.Equal(Id('a'), target.Id);
        Assert.True(h.Generations.Single(g => g.Id == Id('b')).RolledBack);
        Assert.False(h.Generations.Single(g => g.Id == Id('b')).Confirmed);
        Assert.True(h.Generations.Single(g => g.Id == Id('c')).IsCurrent);
    }

    [Fact]
    public void ConfirmedAfterAnEarlierWatchdog_IsGoodAgain()
    {
        var h = History(Id('a'),
            $"index 1 {Id('a')}", $"index 2 {Id('b')}",
            $"log 1 {Id('b')} deploy", $"log 1 {Id('a')} watchdog:{Id('b')}",
            $"log 2 {Id('b')} deploy", $"log 2 {Id('b')} confirmed",
            $"log 3 {Id('a')} rollback", $"log 3 {Id('a')} confirmed",
            $"present {Id('a')}", $"present {Id('b')}");

        Assert.False(h.Generations.Single(g => g.Id == Id('b')).RolledBack);
        Assert.Equal(Id('b'), h.ResolveTarget(null).Id);
    }

    [Theory]
    [InlineData("2", 'b')]
    [InlineData("bbbb", 'b')]
    [InlineData("AAAA", 'a')]
    public void To_ByNumberOrIdPrefix(string to, char expected)
    {
        var h = History(Id('a'), $"index 1 {Id('a')}", $"index 2 {Id('b')}", $"present {Id('a')}", $"present {Id('b')}");
        Assert.Equal(Id(expected), h.ResolveTarget(to).Id);
    }

    [Fact]
    public void To_RemovedOrUnknownOrAmbiguous_SaysWhatIsKept()
    {
        var h = History(Id('a'), $"index 1 {Id('a')}", $"index 2 {Id('b')}", $"index 3 ab{new string('0', 62)}", $"present {Id('a')}", $"present ab{new string('0', 62)}");

        Assert.Contains("was removed from the node by retention", Assert.Throws<GenerationNotFoundException>(() => h.ResolveTarget("2")).Message, StringComparison.Ordinal);
        Assert.Contains("no generation '7' on this node; kept generations: 1 (aaaaaaaaaaaa, current), 3 (ab0000000000)",
            Assert.Throws<GenerationNotFoundException>(() => h.ResolveTarget("7")).Message, StringComparison.Ordinal);
        Assert.Contains("matches 2 generations", Assert.Throws<GenerationNotFoundException>(() => h.ResolveTarget("a")).Message, StringComparison.Ordinal);
        Assert.Contains("no earlier confirmed generation", Assert.Throws<GenerationNotFoundException>(() => h.ResolveTarget(null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expired_KeepsNewestN_CurrentAndRollbackTarget()
    {
        var ids = Enumerable.Range(0, 15).Select(i => i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + new string('f', 62)).ToList();
        var lines = ids.Select((id, i) => $"index {i + 1} {id}").Concat(ids.Select(id => $"present {id}"))
            .Append($"log 1 {ids[0]} deploy").Append($"log 1 {ids[0]} confirmed") // the rollback target is old
            .Append($"log 2 {ids[1]} deploy").Append($"log 2 {ids[1]} confirmed"); // current is old too
        var h = History(ids[1], [.. lines]);

        var expired = h.Expired(keep: 10);

        // 15 present, newest 10 kept (6..15), #1 is the rollback target, #2 is current: 3,4,5 go.
        Assert.Equal([ids[2], ids[3], ids[4]], expired.OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public void OlderNodeWithoutIndex_NumbersPresentGenerationsAfterIndexed()
    {
        var h = History(Id('b'), $"present {Id('b')}", $"present {Id('a')}");
        Assert.Equal([(1, Id('a')), (2, Id('b'))], h.Generations.Select(g => (g.Number, g.Id)));
        Assert.Null(History("").Current);
    }
}
