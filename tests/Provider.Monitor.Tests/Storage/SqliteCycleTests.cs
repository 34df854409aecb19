using System.Collections.Immutable;
using Provider.Monitor.Storage;
using static Provider.Monitor.Tests.Storage.TempStore;

namespace Provider.Monitor.Tests.Storage;

public abstract class MonitorCycleContract
{
    protected abstract Task<TempStore> CreateAsync();

    [Fact]
    public async Task RecordCycle_CommitsLinesAndCursorsTogether()
    {
        await using var db = await CreateAsync();
        await db.Store.RecordCycleAsync(Cycle("node-a", T0, [Line("one"), Line("two")], null, ("journal", "c-2")), None);

        Assert.Equal(2, await db.Store.CountLinesAsync(None));
        Assert.Equal("c-2", (await db.Store.GetCursorsAsync("node-a", None))["journal"]);
        Assert.Empty(await db.Store.GetCursorsAsync("node-b", None));
    }

    [Fact]
    public async Task RecordCycle_FailingLineInTheMiddle_StoresNothingOfTheCycle()
    {
        await using var db = await CreateAsync();
        await db.Store.RecordCycleAsync(Cycle("node-a", T0, [Line("before")], null, ("journal", "c-1")), None);
        // Source is declared non-null; a collector bug that still passes null must not half-commit a cycle.
        LogLine[] batch = [Line("first"), Line("bad") with { Source = null! }, Line("third")];

        await Assert.ThrowsAnyAsync<Exception>(() => db.Store.RecordCycleAsync(Cycle("node-a", T0.AddSeconds(30), batch, null, ("journal", "c-4")), None));

        Assert.Equal(1, await db.Store.CountLinesAsync(None));
        Assert.Equal("c-1", (await db.Store.GetCursorsAsync("node-a", None))["journal"]);
        Assert.Equal(T0, Assert.Single(await db.Store.GetNodeHistoryAsync("node-a", 10, None)).CollectedAt);
        // The write connection is still usable after the rollback.
        await db.Store.RecordCycleAsync(Cycle("node-a", T0.AddSeconds(60), [Line("after")], null, ("journal", "c-5")), None);
        Assert.Equal(2, await db.Store.CountLinesAsync(None));
    }

    [Fact]
    public async Task RecordCycle_CycleWithoutCursors_KeepsTheNodesCursors()
    {
        await using var db = await CreateAsync();
        await db.Store.RecordCycleAsync(Cycle("node-a", T0, null, null, ("journal", "c-1"), ("nginx", "7:100")), None);
        await db.Store.RecordCycleAsync(new NodeCycle(NodeSnapshot.Unreachable("node-a", T0.AddSeconds(30), "timeout"), [], [], ImmutableSortedDictionary<string, string>.Empty), None);
        await db.Store.RecordCycleAsync(Cycle("node-a", T0.AddSeconds(60), null, null, ("nginx", "7:250")), None);

        var cursors = await db.Store.GetCursorsAsync("node-a", None);
        Assert.Equal(["journal", "nginx"], cursors.Keys);
        Assert.Equal("c-1", cursors["journal"]);
        Assert.Equal("7:250", cursors["nginx"]);
    }

    [Fact]
    public async Task RecordCycle_SameHistoryTwice_StoresEachEventOnce_NewestFirst()
    {
        await using var db = await CreateAsync();
        DeployEvent[] history =
        [
            new("node-a", "shop", T0.AddHours(-2), "r1", "abc", "ok", 12.5),
            new("node-a", "shop", T0.AddHours(-1), "r2", "def", "failed", null),
            new("node-a", "(system)", T0.AddMinutes(-30), "gen-7", "", "ok", 40),
        ];
        await db.Store.RecordCycleAsync(Cycle("node-a", T0, null, history), None);
        await db.Store.RecordCycleAsync(Cycle("node-a", T0.AddSeconds(30), null, history), None);
        await db.Store.RecordCycleAsync(Cycle("node-b", T0, null, [history[0] with { Node = "node-b" }]), None);

        var all = await db.Store.GetHistoryAsync(null, null, 100, None);
        Assert.Equal(4, all.Length);
        Assert.Equal(history.Reverse(), (await db.Store.GetHistoryAsync("node-a", null, 100, None)).AsEnumerable());
        Assert.Equal(2, (await db.Store.GetHistoryAsync(null, "shop", 2, None)).Length);
        Assert.Equal(["node-a", "node-b"], (await db.Store.GetHistoryAsync(null, "shop", 100, None)).Where(e => e.Release == "r1").Select(e => e.Node).Order());
    }

    [Fact]
    public async Task Fleet_ReturnsNewestSnapshotPerNode_RoundTrippingTheSnapshot()
    {
        await using var db = await CreateAsync();
        await db.Store.RecordCycleAsync(Cycle("node-b", T0, null), None);
        await db.Store.RecordCycleAsync(Cycle("node-a", T0.AddSeconds(30), null), None);
        await db.Store.RecordCycleAsync(Cycle("node-a", T0, null), None); // late arrival: older than the one stored
        await db.Store.RecordCycleAsync(Cycle("node-b", T0.AddSeconds(60), null), None);

        var fleet = await db.Store.GetFleetAsync(None);
        Assert.Equal(["node-a", "node-b"], fleet.Select(s => s.Node));
        Assert.Equal([T0.AddSeconds(30), T0.AddSeconds(60)], fleet.Select(s => s.CollectedAt));

        var expected = Snapshot("node-a", T0.AddSeconds(30));
        var actual = fleet[0];
        Assert.Equal(expected with { FailedUnits = [], Certificates = [], Environments = [], Generations = [] },
            actual with { FailedUnits = [], Certificates = [], Environments = [], Generations = [] });
        Assert.Equal(expected.FailedUnits.AsEnumerable(), actual.FailedUnits);
        Assert.Equal(expected.Certificates.AsEnumerable(), actual.Certificates);
        Assert.Equal(expected.Environments.AsEnumerable(), actual.Environments);
        Assert.Equal(expected.Generations.AsEnumerable(), actual.Generations);
        Assert.Equal([T0.AddSeconds(30), T0], (await db.Store.GetNodeHistoryAsync("node-a", 10, None)).Select(s => s.CollectedAt));
    }

    [Fact]
    public async Task RequestRates_BucketsAccessLinesPerMinute_CountingFiveHundreds()
    {
        await using var db = await CreateAsync();
        await db.RecordAsync(
            Line("GET /", source: "nginx-access:shop.example", status: 200, time: T0.AddSeconds(5)),
            Line("GET /x", source: "nginx-access:shop.example", status: 502, time: T0.AddSeconds(59)),
            Line("GET /y", source: "nginx-access:shop.example", status: 404, time: T0.AddSeconds(60)),
            Line("GET /", source: "nginx-access:blog.example", status: 500, time: T0.AddSeconds(61)),
            Line("GET /", source: "nginx-access:blog.example", status: 200, node: "node-b", time: T0.AddSeconds(62)),
            Line("app says 500", source: "journal:shop", time: T0.AddSeconds(10)),
            Line("GET /old", source: "nginx-access:shop.example", status: 500, time: T0.AddMinutes(-10)));

        var shop = await db.Store.GetRequestRatesAsync(null, "shop.example", T0, None);
        Assert.Equal([new RequestBucket(T0, 2, 1), new RequestBucket(T0.AddMinutes(1), 1, 0)], shop.AsEnumerable());
        Assert.Equal(TimeSpan.Zero, shop[0].Minute.Offset);
        var all = await db.Store.GetRequestRatesAsync(null, null, T0, None);
        Assert.Equal([new RequestBucket(T0, 2, 1), new RequestBucket(T0.AddMinutes(1), 3, 1)], all.AsEnumerable());
        var nodeA = await db.Store.GetRequestRatesAsync("node-a", null, T0, None);
        Assert.Equal([new RequestBucket(T0, 2, 1), new RequestBucket(T0.AddMinutes(1), 2, 1)], nodeA.AsEnumerable());
    }

    [Fact]
    public async Task ParallelCycles_WithConcurrentSearches_StoreEveryLineWithoutErrors()
    {
        await using var db = await CreateAsync();
        const int Writers = 4, Cycles = 25, LinesPerCycle = 40;
        using var done = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var c = 0; c < Cycles; c++)
            {
                var lines = Enumerable.Range(0, LinesPerCycle).Select(i => Line($"request {w} {c} {i} handled", node: $"node-{w}"));
                await db.Store.RecordCycleAsync(Cycle($"node-{w}", T0.AddSeconds(c), lines, null, ("journal", $"{c}")), None);
            }
        })).ToArray();
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(async () =>
        {
            var searches = 0;
            while (!done.IsCancellationRequested || searches == 0)
            {
                await db.Store.SearchLogsAsync(new LogQuery("request handled", Node: $"node-{r}", Limit: 20), None);
                await db.Store.GetFleetAsync(None);
                searches++;
            }

            return searches;
        })).ToArray();

        await Task.WhenAll(writers);
        await done.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(Writers * Cycles * LinesPerCycle, await db.Store.CountLinesAsync(None));
        Assert.Equal(Writers, (await db.Store.GetFleetAsync(None)).Length);
        Assert.Equal($"{Cycles - 1}", (await db.Store.GetCursorsAsync("node-3", None))["journal"]);
    }
}

public sealed class SqliteCycleTests : MonitorCycleContract
{
    protected override Task<TempStore> CreateAsync() => TempStore.CreateAsync();
}

public sealed class PostgresCycleTests : MonitorCycleContract
{
    protected override Task<TempStore> CreateAsync() => TempStore.CreatePostgresAsync();
}
