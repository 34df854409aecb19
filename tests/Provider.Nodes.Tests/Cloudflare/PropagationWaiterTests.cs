using System.Collections.Immutable;
using Provider.Nodes.Cloudflare;
using Provider.Nodes.Dns;
using Provider.Nodes.Tests.Fixtures;
using Provider.Planning.Gate;

namespace Provider.Nodes.Tests.Cloudflare;

public sealed class PropagationWaiterTests
{
    private const string Node = "node-a.hosting.test";

    private readonly ManualTimeProvider time = new();
    private readonly List<TimeSpan> waits = [];

    private PropagationWaiter Waiter() => new(time, (d, _) =>
    {
        waits.Add(d);
        time.Advance(d);
        return Task.CompletedTask;
    });

    private static Task<ImmutableArray<GateDecision>> NeverOk(IReadOnlyList<GateRequest> pending, CancellationToken _) =>
        Task.FromResult<ImmutableArray<GateDecision>>(
            [.. pending.Select(r => GateDecision.Without(r, GateStatus.Missing, "NXDOMAIN"))]);

    [Fact]
    public async Task WaitAsync_NeverPropagates_GivesUpWithinSixHundredSeconds()
    {
        var result = await Waiter().WaitAsync([new GateRequest("shop.example.test", Node, [])], NeverOk, CancellationToken.None);

        Assert.Equal(GateStatus.Missing, Assert.Single(result.Decisions).Status);
        Assert.Equal(CloudflareBackoff.Schedule(), waits);
        Assert.True(waits.Sum(w => w.TotalSeconds) <= 600);
        Assert.Equal(TimeSpan.FromSeconds(600), result.Waited);
        Assert.Equal(waits.Count, result.Checks);
    }

    [Fact]
    public async Task WaitAsync_SlowChecks_CountAgainstTheBudget()
    {
        var result = await Waiter().WaitAsync([new GateRequest("shop.example.test", Node, [])], (pending, ct) =>
        {
            time.Advance(TimeSpan.FromSeconds(100));
            return NeverOk(pending, ct);
        }, CancellationToken.None);

        // 1 + 100 + 2 + 100 + 4 + 100 + 8 + 100 + 16 + 100 = 531 s; the 30 s wait and its check end at
        // 661 s, after which no budget is left: a check in flight may overrun, no further wait starts.
        Assert.Equal([1, 2, 4, 8, 16, 30], waits.Select(w => w.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(61), result.Waited);
        Assert.Equal(6, result.Checks);
    }

    [Fact]
    public async Task WaitAsync_OnlyStillFailingAreRechecked_UntilAllOk()
    {
        var asked = new List<string>();
        var round = 0;
        var result = await Waiter().WaitAsync(
            [new GateRequest("a.example.test", Node, []), new GateRequest("b.example.test", Node, [])],
            (pending, _) =>
            {
                round++;
                asked.AddRange(pending.Select(p => p.Vhost));
                return Task.FromResult<ImmutableArray<GateDecision>>([.. pending.Select(p =>
                    GateDecision.Without(p, p.Vhost.StartsWith('a') || round > 2 ? GateStatus.Ok : GateStatus.Missing, ""))]);
            },
            CancellationToken.None);

        Assert.All(result.Decisions, d => Assert.Equal(GateStatus.Ok, d.Status));
        Assert.Equal(["a.example.test", "b.example.test", "b.example.test", "b.example.test"], asked);
        Assert.Equal([1, 2, 4], waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task UpsertThenWait_DnsmasqServesTheNewRecord_Ok()
    {
        using var dns = DnsmasqInstance.Start(["local=/test/", $"host-record={Node},10.77.0.11"]);
        await using var cloudflare = await CloudflareContractServer.StartAsync();
        using var http = new HttpClient();
        var zone = new CloudflareZone(cloudflare.AddZone("example.test"), "example.test");
        // Publishing: what the API holds reaches the zone's nameserver (a CNAME to the node becomes
        // the node's address in dnsmasq's hosts file, then SIGHUP to our dnsmasq's PID).
        cloudflare.Changed += records => dns.ReplaceHosts(
            string.Concat(records.Where(r => r.Type == "CNAME" && r.Content == Node).Select(r => $"10.77.0.11 {r.Name}\n")),
            "shop.example.test");
        var resolver = new VhostResolver(ResolverOptions.Default with { Nameservers = [ResolverOptions.ParseNameserver(dns.Endpoint)], Timeout = TimeSpan.FromMilliseconds(500) });
        GateRequest[] requests = [new("shop.example.test", Node, [])];
        var before = Assert.Single(await resolver.CheckAsync(requests, CancellationToken.None));
        var upserter = new CloudflareUpserter(
            new CloudflareClient(http, new CloudflareApiToken(CloudflareContractServer.Token), new CloudflareClientOptions { BaseAddress = cloudflare.BaseAddress }),
            zone);

        var upserted = Assert.Single(await upserter.UpsertAsync(requests, CancellationToken.None));
        var result = await Waiter().WaitAsync(requests, resolver.CheckAsync, CancellationToken.None);

        Assert.Equal(GateStatus.Missing, before.Status);
        Assert.Equal(UpsertStatus.Created, upserted.Status);
        var after = Assert.Single(result.Decisions);
        Assert.Equal(GateStatus.Ok, after.Status);
        Assert.Contains("A 10.77.0.11", after.Observed);
        Assert.Equal(1, result.Checks);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Waited);
    }
}
