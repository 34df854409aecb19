using Provider.Monitor.Storage;
using Provider.Monitor.Storage.Sqlite;
using static Provider.Monitor.Tests.Storage.TempStore;

namespace Provider.Monitor.Tests.Storage;

public abstract class RetentionContract
{
    protected abstract Task<TempStore> CreateAsync();

    [Fact]
    public async Task Retention_ByAge_DeletesOlderLines_AndTheirIndexEntries()
    {
        await using var db = await CreateAsync();
        await db.RecordAsync(
            Line("ancient zebra123", time: T0.AddDays(-20)),
            Line("old yak456", time: T0.AddDays(-15)),
            Line("recent word", time: T0.AddDays(-13)),
            Line("now word", time: T0));

        var deleted = await db.Store.ApplyRetentionAsync(new RetentionPolicy(TimeSpan.FromDays(14), 100), None);

        Assert.Equal(2, deleted);
        Assert.Equal(2, await db.Store.CountLinesAsync(None));
        Assert.Empty(await db.SearchAsync(new("zebra123")));
        Assert.Empty(await db.SearchAsync(new("yak456")));
        Assert.Equal(2, (await db.SearchAsync(new("word"))).Length);
        AssertFtsConsistent(db);
    }

    [Fact]
    public async Task Retention_ByCount_KeepsTheNewest_AcrossSeveralBatches()
    {
        await using var db = await CreateAsync();
        const int Total = 25_000, Keep = 2_500;
        for (var c = 0; c < 5; c++)
        {
            await db.Store.RecordCycleAsync(Cycle("node-a", T0, Enumerable.Range(c * 5000, 5000).Select(i => Line($"line token{i}"))), None);
        }

        var deleted = await db.Store.ApplyRetentionAsync(new RetentionPolicy(TimeSpan.FromDays(14), Keep), None);

        Assert.Equal(Total - Keep, deleted);
        Assert.Equal(Keep, await db.Store.CountLinesAsync(None));
        Assert.Empty(await db.SearchAsync(new($"token{Total - Keep - 1}")));
        Assert.Single(await db.SearchAsync(new($"token{Total - Keep}")));
        Assert.Equal(0, await db.Store.ApplyRetentionAsync(new RetentionPolicy(TimeSpan.FromDays(14), Keep), None));
        AssertFtsConsistent(db);
    }

    [Fact]
    public async Task Snapshots_ArePrunedToTheNewestPerNode()
    {
        await using var db = await CreateAsync();
        var extra = 5;
        for (var i = 0; i < SqliteMigrations.SnapshotsKeptPerNode + extra; i++)
        {
            await db.Store.RecordCycleAsync(Cycle("node-a", T0.AddSeconds(30 * i)), None);
        }

        await db.Store.RecordCycleAsync(Cycle("node-b", T0), None);

        var history = await db.Store.GetNodeHistoryAsync("node-a", 10_000, None);
        Assert.Equal(SqliteMigrations.SnapshotsKeptPerNode, history.Length);
        Assert.Equal(T0.AddSeconds(30 * extra), history[^1].CollectedAt);
        Assert.Single(await db.Store.GetNodeHistoryAsync("node-b", 10, None));
    }

    /// <summary>The backend's check that its full-text index matches the lines.</summary>
    protected abstract void AssertFtsConsistent(TempStore db);
}

public sealed class SqliteRetentionTests : RetentionContract
{
    protected override Task<TempStore> CreateAsync() => TempStore.CreateAsync();

    /// <summary>FTS5's own check that the index matches its content table.</summary>
    protected override void AssertFtsConsistent(TempStore db) =>
        SqliteMigrationTests.Query(db.DbPath, "INSERT INTO log_fts(log_fts, rank) VALUES ('integrity-check', 1)");
}

public sealed class PostgresRetentionTests : RetentionContract
{
    protected override Task<TempStore> CreateAsync() => TempStore.CreatePostgresAsync();

    /// <summary>A generated column and its GIN index go with the row: nothing to check.</summary>
    protected override void AssertFtsConsistent(TempStore db)
    {
    }
}
