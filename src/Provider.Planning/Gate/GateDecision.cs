using System.Collections.Immutable;
using System.Net;

namespace Provider.Planning.Gate;

public enum ResolutionOutcome
{
    /// <summary>The name resolved (possibly through CNAMEs) to addresses.</summary>
    Answered,

    /// <summary>NXDOMAIN, or a chain that ends in a name without records.</summary>
    Missing,

    /// <summary>Resolver trouble: timeout, SERVFAIL, REFUSED, a CNAME loop or a chain too long.</summary>
    Unknown,
}

/// <summary>What DNS said about one name: the CNAME chain followed from it and the A/AAAA addresses at its end.</summary>
public sealed record Observation(string Name, ResolutionOutcome Outcome, ImmutableArray<string> CnameChain, ImmutableArray<IPAddress> Addresses, string? Problem = null)
{
    public static Observation Unknown(string name, string problem, ImmutableArray<string> chain = default) =>
        new(name, ResolutionOutcome.Unknown, chain.IsDefault ? [] : chain, [], problem);

    public IEnumerable<string> Describe() =>
        CnameChain.Select(c => "CNAME " + c).Concat(Addresses.Select(a => (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "AAAA " : "A ") + a));
}

public enum GateStatus
{
    Ok,
    Elsewhere,
    Missing,
    Unknown,
}

/// <summary>A vhost to check or fix: where it should point and the node's declared addresses.</summary>
public sealed record GateRequest(string Vhost, string ExpectedHost, ImmutableArray<string> DeclaredAddresses);

public sealed record GateDecision(string Vhost, string Node, string ExpectedHost, GateStatus Status, ImmutableArray<string> Observed, string Reason)
{
    public bool IsOk => Status == GateStatus.Ok;

    /// <summary>A verdict for a request with nothing observed (e.g. "not re-checked: no time left").</summary>
    public static GateDecision Without(GateRequest request, GateStatus status, string reason) =>
        new(request.Vhost, "", request.ExpectedHost, status, [], reason);

    public static string StatusName(GateStatus status) => status switch
    {
        GateStatus.Ok => "ok",
        GateStatus.Elsewhere => "elsewhere",
        GateStatus.Missing => "missing",
        _ => "unknown",
    };
}

/// <summary>
/// DESIGN §6: a vhost points at its node when its CNAME chain reaches &lt;node&gt;.&lt;hostenvHostname&gt;, or its
/// addresses intersect that name's addresses or the node's declared addresses. Resolver trouble is
/// "unknown", never "elsewhere".
/// </summary>
public static class GateDecider
{
    public static GateDecision Decide(string node, string expectedHost, ImmutableArray<IPAddress> declaredAddresses, Observation expected, Observation vhost)
    {
        var observed = vhost.Describe().ToImmutableArray();
        var target = Normalise(expectedHost);
        if (vhost.CnameChain.Any(c => Normalise(c) == target))
        {
            return new GateDecision(vhost.Name, node, expectedHost, GateStatus.Ok, observed, $"CNAME chain reaches {expectedHost}");
        }

        switch (vhost.Outcome)
        {
            case ResolutionOutcome.Unknown:
                return new GateDecision(vhost.Name, node, expectedHost, GateStatus.Unknown, observed, "DNS did not answer clearly: " + (vhost.Problem ?? "resolver error"));
            case ResolutionOutcome.Missing:
                return new GateDecision(vhost.Name, node, expectedHost, GateStatus.Missing, observed,
                    vhost.CnameChain.IsEmpty ? "no A/AAAA/CNAME records (NXDOMAIN or empty)" : $"CNAME chain ends at {vhost.CnameChain[^1]}, which has no records");
        }

        var nodeAddresses = expected.Addresses.Concat(declaredAddresses).ToHashSet();
        var match = vhost.Addresses.FirstOrDefault(nodeAddresses.Contains);
        if (match is not null)
        {
            var via = expected.Addresses.Contains(match) ? expectedHost : "the node's declared addresses";
            return new GateDecision(vhost.Name, node, expectedHost, GateStatus.Ok, observed, $"{match} is an address of {via}");
        }

        var known = nodeAddresses.Count == 0
            ? $"{expectedHost} has no addresses ({expected.Problem ?? expected.Outcome.ToString().ToLowerInvariant()}) and the node declares none"
            : "the node is at " + string.Join(", ", nodeAddresses.Select(a => a.ToString()).Order(StringComparer.Ordinal));
        return new GateDecision(vhost.Name, node, expectedHost, GateStatus.Elsewhere, observed,
            $"points at {string.Join(", ", vhost.Addresses.Select(a => a.ToString()))}; {known}");
    }

    public static string Normalise(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();
}
