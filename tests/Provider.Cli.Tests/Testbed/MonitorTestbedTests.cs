using System.Collections.Immutable;
using Provider.Cli.Tests.Support;
using Provider.Monitor.Collection;
using Provider.Monitor.Service;
using Provider.Monitor.Storage;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// The fleet monitor's collector against the real testbed: health from the node, the app's own journal lines, nginx
/// access lines counted exactly across collector restarts and a logrotate-style rotation, a stopped unit turning the
/// environment down, and a node without sshd shown unreachable while the other node is still collected.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class MonitorTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    private readonly TempDir data = new();
    private TestbedProject? project;

    private async Task<(TestbedProject Project, string Token, string Env)> DeployedApp([System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var token = "tok" + Guid.NewGuid().ToString("N")[..16];
        project = new TestbedProject(testbed, "mt" + (uint)test.GetHashCode(StringComparison.Ordinal) % 100000, TestbedUids.Block(testbed)).Write(TestbedProject.AppOnNodeA, greeting: token);
        var deploy = await project.PlanAndDeploy("node-a");
        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        var status = await project.Cli("status", "--node", "node-a", "--format", "json");
        var env = System.Text.Json.Nodes.JsonNode.Parse(status.Stdout)!["environments"]!.AsArray()
            .Select(e => e!["environment"]!.GetValue<string>()).Single(e => e.StartsWith(project.Project + "-", StringComparison.Ordinal));
        return (project, token, env);
    }

    private async Task<(ImmutableArray<CycleReport> Reports, SqliteMonitorStore Store)> Cycle(TestbedProject p, string? node = null)
    {
        // A new store and collector every cycle: what one cycle leaves behind is all the next one knows (a restart each time).
        var store = await SqliteMonitorStore.OpenAsync(Path.Combine(data.Path, "monitor.db"), default);
        var collector = new FleetCollector(p.Repo.Path, testbed.SshKey, store, new CycleSignal(), CollectorOptions.Default);
        return (await collector.CollectOnceAsync(default, node), store);
    }

    private static async Task<ImmutableArray<LogHit>> All(SqliteMonitorStore store, LogQuery q)
    {
        var hits = ImmutableArray.CreateBuilder<LogHit>();
        for (var page = await store.SearchLogsAsync(q with { Limit = 500 }, default); ; page = await store.SearchLogsAsync(q with { Limit = 500, BeforeId = page.NextBeforeId }, default))
        {
            hits.AddRange(page.Hits);
            if (page.NextBeforeId is null)
            {
                return hits.ToImmutable();
            }
        }
    }

    [Fact]
    public async Task Collector_SeesHealth_TheAppsOwnLine_EveryRequestOnce_ThroughRestartsAndRotation_AndAStoppedUnit()
    {
        var (p, token, env) = await DeployedApp();

        var (reports, store) = await Cycle(p);
        await using (store)
        {
            Assert.All(reports, r => Assert.True(r.Reachable, r.Error));
            var node = (await store.GetFleetAsync(default)).Single(n => n.Node == "node-a");
            var snapshot = node.Environments.Single(e => e.Environment == env);
            Assert.Equal(Health.Healthy, snapshot.Health);
            Assert.Equal("active", snapshot.Service);
            Assert.True(node.MemTotalBytes > 0 && node.DiskTotalBytes > 0 && node.Load1 is not null, "node resources were not read");
            Assert.NotNull(node.Generation);
            var found = await store.SearchLogsAsync(new LogQuery(Text: token), default);
            var line = Assert.Single(found.Hits).Line;
            Assert.Equal(env, line.Environment);
            Assert.StartsWith($"journal:hostenv-{env}-app@", line.Source, StringComparison.Ordinal);
            Assert.Contains(await store.GetHistoryAsync("node-a", env, 10, default), h => h.Outcome == "deployed");
        }

        // 30 requests, a rotation as Debian's logrotate does it (move aside, nginx reopens) with requests on both sides.
        for (var i = 0; i < 10; i++)
        {
            Assert.Contains(token, p.Get("node-a", $"/{token}-{i}"), StringComparison.Ordinal);
        }

        (reports, store) = await Cycle(p, "node-a");
        await store.DisposeAsync();
        for (var i = 10; i < 20; i++)
        {
            p.Get("node-a", $"/{token}-{i}");
        }

        var access = Provider.Planning.Planner.HostenvPaths.AccessLog(p.Vhost);
        Assert.Equal("rotated", testbed.Ssh("node-a", $"sudo mv {access} {access}.1 && sudo nginx -s reopen && echo rotated").Trim());
        for (var i = 20; i < 30; i++)
        {
            p.Get("node-a", $"/{token}-{i}");
        }

        (reports, store) = await Cycle(p, "node-a");
        await store.DisposeAsync();
        (reports, store) = await Cycle(p, "node-a");
        await using (store)
        {
            var requests = (await All(store, new LogQuery(Source: "nginx-access:" + p.Vhost)))
                .Select(h => h.Line.Message).Where(m => m.Contains($"/{token}-", StringComparison.Ordinal))
                .Select(m => int.Parse(m.Split($"/{token}-")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
            Assert.Equal(Enumerable.Range(0, 30), requests);
            var rates = await store.GetRequestRatesAsync("node-a", p.Vhost, DateTimeOffset.UtcNow.AddHours(-1), default);
            Assert.True(rates.Sum(r => r.Requests) >= 30, $"{rates.Sum(r => r.Requests)} requests in the rate buckets");
        }

        // The app's unit stopped on the node: the next cycle says the environment is down.
        testbed.Ssh("node-a", $"sudo systemctl stop 'hostenv-{env}-app@*.service'");
        (reports, store) = await Cycle(p, "node-a");
        await using (store)
        {
            var down = (await store.GetFleetAsync(default)).Single(n => n.Node == "node-a").Environments.Single(e => e.Environment == env);
            Assert.Equal(Health.Down, down.Health);
        }
    }

    [Fact]
    public async Task NodeWithoutSshd_IsUnreachable_TheOtherNodeIsStillCollected()
    {
        var (p, _, _) = await DeployedApp();
        await using (await testbed.StopSshdAsync("node-b"))
        {
            var (reports, store) = await Cycle(p);
            await using (store)
            {
                Assert.False(reports.Single(r => r.Node == "node-b").Reachable);
                Assert.True(reports.Single(r => r.Node == "node-a").Reachable);
                var fleet = await store.GetFleetAsync(default);
                Assert.False(fleet.Single(n => n.Node == "node-b").Reachable);
                Assert.NotNull(fleet.Single(n => n.Node == "node-b").Error);
                Assert.All(fleet.Single(n => n.Node == "node-b").Environments, e => Assert.Equal(Health.Unknown, e.Health));
                Assert.True(fleet.Single(n => n.Node == "node-a").Reachable);
            }
        }
    }

    public void Dispose()
    {
        project?.Dispose();
        data.Dispose();
    }
}
