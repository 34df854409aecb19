using System.Collections.Immutable;
using System.Net;
using Provider.Nodes.Dns;
using Provider.Planning.Gate;

namespace Provider.Nodes.Tests.Dns;

/// <summary>NS walking against a real delegation (three dnsmasq instances; fixture from the dns helper's branch).</summary>
public sealed class VhostResolverDelegationTests(DnsmasqDelegationFixture dns) : IClassFixture<DnsmasqDelegationFixture>
{
    private VhostResolver Walking() => new(ResolverOptions.Default with
    {
        Bootstrap = [ResolverOptions.ParseNameserver(dns.Parent?.Endpoint ?? "")],
        AuthoritativePort = dns.Zone.Port,
        Timeout = TimeSpan.FromMilliseconds(400),
        Retries = 0,
    });

    private static async Task<Observation> Resolve(VhostResolver r, string name) => (await r.ResolveAsync([name], CancellationToken.None))[name];

    [Fact]
    public async Task Walk_DelegatedZone_AnswerComesFromAuthoritativeServer()
    {
        // The parent says 10.9.9.9; only the zone's own server (127.0.0.2) says 10.77.0.11.
        Assert.Equal([IPAddress.Parse("10.77.0.11")], (await Resolve(Walking(), "www.zone.test")).Addresses.ToArray());
    }

    [Fact]
    public async Task Walk_ChainAcrossZones_FollowedAtEachZonesServer()
    {
        var seen = await Resolve(Walking(), "hop.zone.test");
        Assert.Equal(ResolutionOutcome.Answered, seen.Outcome);
        Assert.Equal(["hop.other.test", "www.zone.test"], seen.CnameChain.ToArray());
        Assert.Equal([IPAddress.Parse("10.77.0.11")], seen.Addresses.ToArray());
    }

    [Fact]
    public async Task Walk_CnameLoopAcrossZones_IsUnknown()
    {
        var decision = Assert.Single(await Walking().CheckAsync([new GateRequest("loop.zone.test", "www.zone.test", [])], CancellationToken.None));
        Assert.Equal(GateStatus.Unknown, decision.Status);
        Assert.Contains("CNAME loop", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Walk_NoDelegation_FallsBackToBootstrapResolver() =>
        Assert.Equal([IPAddress.Parse("10.0.0.5")], (await Resolve(Walking(), "plain.test")).Addresses.ToArray());

    [Fact]
    public async Task Walk_AuthoritativeServerDown_FallsBackToBootstrapResolver()
    {
        var seen = await Resolve(Walking(), "www.dead.test");
        Assert.Equal(ResolutionOutcome.Answered, seen.Outcome);
        Assert.Equal([IPAddress.Parse("10.0.0.6")], seen.Addresses.ToArray());
    }

    [Fact]
    public async Task ExplicitNameserver_OverridesWalk()
    {
        var r = new VhostResolver(ResolverOptions.Default with
        {
            Nameservers = [ResolverOptions.ParseNameserver(dns.Parent?.Endpoint ?? "")],
            Bootstrap = [ResolverOptions.ParseNameserver(dns.Parent?.Endpoint ?? "")],
            AuthoritativePort = dns.Zone.Port,
        });
        Assert.Equal([IPAddress.Parse("10.9.9.9")], (await Resolve(r, "www.zone.test")).Addresses.ToArray());
    }
}
