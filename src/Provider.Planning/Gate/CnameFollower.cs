using System.Collections.Immutable;
using System.Net;

namespace Provider.Planning.Gate;

/// <summary>One DNS answer for one name: CNAMEs and addresses found there, or a failure.</summary>
public sealed record DnsAnswer(bool NxDomain, ImmutableArray<(string Owner, string Target)> Cnames, ImmutableArray<IPAddress> Addresses, string? Error);

/// <summary>
/// Follows a CNAME chain through a lookup function, bounded in depth and loop-checked. Pure: the
/// lookup is supplied by the caller (real DNS in Provider.Nodes), so the chain rules are testable alone.
/// </summary>
public static class CnameFollower
{
    public const int MaxDepth = 10;

    public static async Task<Observation> FollowAsync(string name, Func<string, Task<DnsAnswer>> lookup)
    {
        var chain = ImmutableArray.CreateBuilder<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { GateDecider.Normalise(name) };
        var current = GateDecider.Normalise(name);
        while (true)
        {
            var answer = await lookup(current);
            if (answer.Error is not null)
            {
                return Observation.Unknown(name, answer.Error, chain.ToImmutable());
            }

            // A server may return several links of the chain at once; follow those that start here.
            var advanced = false;
            string? next;
            while ((next = answer.Cnames.FirstOrDefault(c => GateDecider.Normalise(c.Owner) == current).Target) is not null)
            {
                var target = GateDecider.Normalise(next);
                if (!seen.Add(target))
                {
                    return Observation.Unknown(name, $"CNAME loop at {target}", [.. chain, target]);
                }

                chain.Add(target);
                if (chain.Count > MaxDepth)
                {
                    return Observation.Unknown(name, $"CNAME chain longer than {MaxDepth}", chain.ToImmutable());
                }

                current = target;
                advanced = true;
            }

            if (!answer.Addresses.IsEmpty)
            {
                return new Observation(name, ResolutionOutcome.Answered, chain.ToImmutable(), answer.Addresses);
            }

            if (!advanced)
            {
                return new Observation(name, ResolutionOutcome.Missing, chain.ToImmutable(), []);
            }
        }
    }
}
