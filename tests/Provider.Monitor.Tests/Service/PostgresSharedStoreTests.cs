using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using Provider.Monitor.Jobs;
using Provider.Monitor.Storage;
using Provider.Monitor.Storage.Postgres;
using Provider.Monitor.Tests.Storage;

namespace Provider.Monitor.Tests.Service;

/// <summary>PostgreSQL only: several instances (each its own pool, as two `serve` processes) on one database.</summary>
public sealed class PostgresSharedStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task TwoInstances_ClaimingConcurrently_RunEveryJobOnce_NeverTwoOnOneNode()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await using var one = await PostgresMonitorStore.OpenAsync(db.ConnectionString, None);
        await using var two = await PostgresMonitorStore.OpenAsync(db.ConnectionString, None);
        const int Jobs = 50, Nodes = 5;
        for (var i = 0; i < Jobs; i++)
        {
            // Every tenth job holds two nodes, so claims also have to wait for a pair.
            string[] nodes = i % 10 == 9 ? [$"node-{i % Nodes}", $"node-{(i + 1) % Nodes}"] : [$"node-{i % Nodes}"];
            await one.Jobs.EnqueueAsync(new JobRequest(JobKind.Deploy, [], [.. nodes]), new JobOrigin("test", "api", null, null), [.. nodes], None);
        }

        var runs = new ConcurrentBag<(long Job, string Instance, string[] Nodes, long Start, long End)>();
        async Task WorkAsync(IJobStore jobs, string instance)
        {
            var idle = 0;
            while (idle < 20)
            {
                var job = await jobs.ClaimNextAsync(instance, None);
                if (job is null)
                {
                    idle++;
                    await Task.Delay(10);
                    continue;
                }

                idle = 0;
                var start = Stopwatch.GetTimestamp();
                for (var e = 0; e < 3; e++)
                {
                    await jobs.AppendEventAsync(job.Id, "progress", $"{instance} step {e}", None);
                }

                await Task.Delay(Random.Shared.Next(1, 5));
                // The end is taken before the finish commits and the start after the claim commits: a later job on the
                // same node can only look overlapping if it really started before this one finished.
                runs.Add((job.Id, instance, [.. job.Nodes], start, Stopwatch.GetTimestamp()));
                await jobs.FinishAsync(job.Id, JobState.Succeeded, 0, "ok", None);
            }
        }

        await Task.WhenAll(
            Task.Run(() => WorkAsync(one.Jobs, "one-a")), Task.Run(() => WorkAsync(one.Jobs, "one-b")),
            Task.Run(() => WorkAsync(two.Jobs, "two-a")), Task.Run(() => WorkAsync(two.Jobs, "two-b")));

        Assert.Equal(Jobs, runs.Count);
        Assert.Equal(Jobs, runs.Select(r => r.Job).Distinct().Count());
        Assert.Contains(runs, r => r.Instance.StartsWith("one", StringComparison.Ordinal));
        Assert.Contains(runs, r => r.Instance.StartsWith("two", StringComparison.Ordinal));
        foreach (var node in runs.SelectMany(r => r.Nodes).Distinct())
        {
            var onNode = runs.Where(r => r.Nodes.Contains(node)).OrderBy(r => r.Start).ToList();
            for (var i = 1; i < onNode.Count; i++)
            {
                Assert.True(onNode[i].Start >= onNode[i - 1].End, $"jobs {onNode[i - 1].Job} and {onNode[i].Job} ran at the same time on {node}");
            }
        }

        var all = await two.Jobs.ListAsync(100, null, None);
        Assert.All(all, j => Assert.Equal(JobState.Succeeded, j.State));
        foreach (var job in all)
        {
            Assert.Equal([1L, 2, 3], (await one.Jobs.GetEventsAsync(job.Id, 0, 10, None)).Select(e => e.Seq));
        }
    }

    [Fact]
    public async Task ConcurrentAppends_FromTwoInstances_GetUniqueConsecutiveSeqs()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await using var one = await PostgresMonitorStore.OpenAsync(db.ConnectionString, None);
        await using var two = await PostgresMonitorStore.OpenAsync(db.ConnectionString, None);
        var job = await one.Jobs.EnqueueAsync(new JobRequest(JobKind.Deploy, [], []), new JobOrigin("test", "api", null, null), [], None);

        var seqs = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            Task.Run(() => (i % 2 == 0 ? one.Jobs : two.Jobs).AppendEventAsync(job.Id, "progress", $"line {i}", None))));

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), seqs.Order());
        var events = await two.Jobs.GetEventsAsync(job.Id, 0, 1000, None);
        Assert.Equal(seqs.Order(), events.Select(e => e.Seq));
    }

    [Fact]
    public async Task Open_TwoInstancesAtOnce_MigrateOnce_AndReopeningAppliesNothing()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        var stores = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PostgresMonitorStore.OpenAsync(db.ConnectionString, None)));
        await stores[0].MigrateAsync(None);
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        var versions = await db.QueryAsync("SELECT version FROM schema_migrations ORDER BY version");
        Assert.Equal(Enumerable.Range(1, PostgresMonitorStore.SchemaVersion), versions.Select(r => Convert.ToInt32(r[0], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Open_DatabaseFromNewerBuild_IsRefused_WithoutThePassword()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await (await PostgresMonitorStore.OpenAsync(db.ConnectionString, None)).DisposeAsync();
        var newer = PostgresMonitorStore.SchemaVersion + 1;
        await db.QueryAsync($"INSERT INTO schema_migrations(version, name, applied_at) VALUES ({newer}, 'from the future', '2030-01-01')");

        var error = await Assert.ThrowsAsync<MonitorStoreVersionException>(async () => await MonitorStores.OpenAsync(db.Uri, None));

        Assert.Equal(newer, error.FoundVersion);
        Assert.Contains(db.Name, error.Message, StringComparison.Ordinal);
        var password = new NpgsqlConnectionStringBuilder(db.ConnectionString).Password;
        Assert.False(string.IsNullOrEmpty(password));
        Assert.DoesNotContain(password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MonitorStores_PostgresUri_GivesAllThreeStoresOnOneDatabase()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await using var stores = await MonitorStores.OpenAsync(db.Uri, None);

        Assert.True(stores.IsShared);
        Assert.StartsWith("postgresql://", stores.Database, StringComparison.Ordinal);
        Assert.EndsWith("/" + db.Name, stores.Database, StringComparison.Ordinal);
        Assert.IsType<PostgresMonitorStore>(stores.Monitor);
        await stores.Tokens.CreateAsync("one", Auth.TokenScope.Read, None);
        await stores.Jobs.EnqueueAsync(new JobRequest(JobKind.Deploy, [], []), new JobOrigin("one", "cli", null, null), [], None);
        Assert.Single(await db.QueryAsync("SELECT 1 FROM tokens"));
        Assert.Single(await db.QueryAsync("SELECT 1 FROM jobs"));
    }
}

public sealed class DatabaseUriTests
{
    [Fact]
    public void ToConnectionString_DecodesUserPasswordHostPortDatabaseAndParameters()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseUri.ToConnectionString("postgresql://deploy%40team:p%3Ass@db.example:6543/hostenv?sslmode=require&application_name=serve"));

        Assert.Equal(("deploy@team", "p:ss", "db.example", 6543, "hostenv"), (cs.Username, cs.Password, cs.Host, cs.Port, cs.Database));
        Assert.Equal(SslMode.Require, cs.SslMode);
        Assert.Equal("serve", cs.ApplicationName);
        Assert.Equal(5432, new NpgsqlConnectionStringBuilder(DatabaseUri.ToConnectionString("postgres://u@[::1]/d")).Port);
        Assert.Equal("::1", new NpgsqlConnectionStringBuilder(DatabaseUri.ToConnectionString("postgres://u@[::1]/d")).Host);
    }

    [Theory]
    [InlineData("postgresql://user:s3cret@host:5432/")]
    [InlineData("postgresql://user:s3cret@host:5432/db?nonsense_key=1")]
    [InlineData("postgresql://user:s3cret@/db")]
    public void ToConnectionString_Malformed_IsRefusedWithoutThePassword(string uri)
    {
        var error = Assert.Throws<ArgumentException>(() => DatabaseUri.ToConnectionString(uri));
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MonitorStores_FilePath_IsSqlite()
    {
        var dir = Path.Combine(Path.GetTempPath(), "monitor-stores-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var stores = await MonitorStores.OpenAsync(Path.Combine(dir, "monitor.db"), CancellationToken.None);
            Assert.False(stores.IsShared);
            Assert.IsType<SqliteMonitorStore>(stores.Monitor);
            Assert.Equal(Path.Combine(dir, "monitor.db"), stores.Database);
            Assert.False(await stores.Tokens.AnyAsync(CancellationToken.None));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
