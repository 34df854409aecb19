using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Provider.Cli.Tests.Support;
using Provider.Nodes.Dns;
using Provider.Planning.Gate;

namespace Provider.Cli.Tests.Dns;

/// <summary>The resolver against a real dnsmasq, through the pure decision, for every kind of answer DESIGN §6 names.</summary>
public sealed class ResolverAndDecisionTests(DnsmasqFixture dns) : IClassFixture<DnsmasqFixture>
{
    private VhostResolver Resolver(string? endpoint = null, TimeSpan? timeout = null) => new(ResolverOptions.Default with
    {
        Nameservers = [ResolverOptions.ParseNameserver(endpoint ?? dns.Endpoint)],
        Timeout = timeout ?? TimeSpan.FromSeconds(2),
        Retries = 1,
    });

    [Theory]
    [InlineData("a-match.zone.test", "node-a.hosting.test", "", GateStatus.Ok)]
    [InlineData("v6-only.zone.test", "node-v6.hosting.test", "", GateStatus.Ok)]
    [InlineData("cname-node.zone.test", "node-a.hosting.test", "", GateStatus.Ok)]
    [InlineData("chain1.zone.test", "node-a.hosting.test", "", GateStatus.Ok)]
    [InlineData("elsewhere.zone.test", "node-a.hosting.test", "", GateStatus.Elsewhere)]
    [InlineData("nxdomain.zone.test", "node-a.hosting.test", "", GateStatus.Missing)]
    [InlineData("dangling.zone.test", "node-a.hosting.test", "", GateStatus.Missing)]
    [InlineData("declared-only.zone.test", "node-gone.hosting.test", "198.51.100.7", GateStatus.Ok)]
    [InlineData("declared-only.zone.test", "node-gone.hosting.test", "", GateStatus.Elsewhere)]
    [InlineData("long0.zone.test", "node-a.hosting.test", "", GateStatus.Unknown)]
    [InlineData("outside.example.org", "node-a.hosting.test", "", GateStatus.Unknown)]
    public async Task Decide_RealAnswers_GiveExpectedStatus(string vhost, string expectedHost, string declared, GateStatus expected)
    {
        var resolver = Resolver();
        var obs = await resolver.ResolveAsync([vhost, expectedHost], CancellationToken.None);
        var addresses = declared.Length == 0 ? ImmutableArray<IPAddress>.Empty : [IPAddress.Parse(declared)];
        var decision = GateDecider.Decide("node-a", expectedHost, addresses, obs[expectedHost], obs[vhost]);
        Assert.True(decision.Status == expected, $"{vhost}: {decision.Status} ({decision.Reason}; {string.Join(", ", decision.Observed)})");
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
    }

    [Fact]
    public async Task Chain_IsReportedInOrder()
    {
        var obs = (await Resolver().ResolveAsync(["chain1.zone.test"], CancellationToken.None))["chain1.zone.test"];
        Assert.Equal(["chain2.zone.test", "chain3.zone.test", "a-match.zone.test"], obs.CnameChain.ToArray());
        Assert.Equal([IPAddress.Parse("10.77.0.11")], obs.Addresses.ToArray());
    }

    [Fact]
    public async Task SilentServer_IsUnknown_WithinBoundedTime()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never answers
        var endpoint = $"127.0.0.1:{((IPEndPoint)silent.Client.LocalEndPoint!).Port}";
        var sw = Stopwatch.StartNew();
        var obs = (await Resolver(endpoint, TimeSpan.FromMilliseconds(500)).ResolveAsync(["a-match.zone.test"], CancellationToken.None))["a-match.zone.test"];
        Assert.Equal(ResolutionOutcome.Unknown, obs.Outcome);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        var decision = GateDecider.Decide("node-a", "node-a.hosting.test", [], obs, obs);
        Assert.Equal(GateStatus.Unknown, decision.Status); // never "elsewhere" for resolver trouble
    }

    [Fact]
    public async Task CnameLoop_IsUnknown()
    {
        // dnsmasq refuses to serve a CNAME loop, so the loop rule is checked on the chain logic directly.
        var answers = new Dictionary<string, DnsAnswer>
        {
            ["a.test"] = new(false, [("a.test", "b.test")], [], null),
            ["b.test"] = new(false, [("b.test", "a.test")], [], null),
        };
        var obs = await CnameFollower.FollowAsync("a.test", n => Task.FromResult(answers[n]));
        Assert.Equal(ResolutionOutcome.Unknown, obs.Outcome);
        Assert.Contains("loop", obs.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyNames_ResolveInParallel_EachOnce()
    {
        var resolver = Resolver();
        var names = Enumerable.Range(0, 50).Select(i => $"n{i}.zone.test").Append("a-match.zone.test").Append("A-MATCH.zone.test.").ToList();
        var obs = await resolver.ResolveAsync(names, CancellationToken.None);
        Assert.Equal(51, obs.Count);
        Assert.Equal(51 * 2, resolver.QueriesSent); // A and AAAA per distinct name, no duplicates
    }
}
