using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Provider.Planning.Gate;

namespace Provider.Nodes.Dns;

public sealed record ResolverOptions(ImmutableArray<IPEndPoint> Nameservers, TimeSpan Timeout, int Retries, int Parallelism)
{
    /// <summary>Resolver used to walk NS records and as the fallback (empty: the system resolver).</summary>
    public ImmutableArray<IPEndPoint> Bootstrap { get; init; } = [];

    /// <summary>Port the zones' own nameservers are asked on (53; tests run delegations on another port).</summary>
    public int AuthoritativePort { get; init; } = 53;

    public static readonly ResolverOptions Default = new([], TimeSpan.FromSeconds(2), 2, 32);

    /// <summary>Parses HOST:PORT, [IPv6]:PORT or a bare host (port 53); host names are resolved once here.</summary>
    public static IPEndPoint ParseNameserver(string text)
    {
        var (host, port) = text.StartsWith('[') && text.Contains("]:", StringComparison.Ordinal)
            ? (text[1..text.IndexOf(']', StringComparison.Ordinal)], text[(text.IndexOf("]:", StringComparison.Ordinal) + 2)..])
            : text.Count(c => c == ':') == 1 ? (text[..text.IndexOf(':', StringComparison.Ordinal)], text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..])
            : (text.Trim('[', ']'), "53");
        if (!int.TryParse(port, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
        {
            throw new FormatException($"'{text}' is not HOST:PORT");
        }

        var address = IPAddress.TryParse(host, out var ip) ? ip : System.Net.Dns.GetHostAddresses(host).FirstOrDefault()
            ?? throw new FormatException($"cannot resolve nameserver '{host}'");
        return new IPEndPoint(address, p);
    }
}

/// <summary>
/// Resolves vhosts for the DNS gate. Asks the zone's authoritative nameservers directly (found by walking
/// NS records up from the name, so a stale recursive cache cannot fool the gate), falling back to the
/// system resolver; explicit nameservers override everything. Every failure is "unknown", never "elsewhere".
/// </summary>
public sealed class VhostResolver(ResolverOptions options)
{
    private readonly ConcurrentDictionary<string, Task<LookupClient>> zoneClients = new(StringComparer.Ordinal);
    private readonly Lazy<LookupClient> systemClient = new(() =>
    {
        var o = options.Bootstrap.IsEmpty ? new LookupClientOptions() : new LookupClientOptions([.. options.Bootstrap.Select(e => new NameServer(e))]);
        o.UseCache = false;
        o.Timeout = options.Timeout;
        o.Retries = options.Retries;
        o.ThrowDnsErrors = false;
        o.UseTcpFallback = true;
        return new LookupClient(o);
    });

    private readonly Lazy<LookupClient?> overrideClient = new(() => options.Nameservers.IsEmpty ? null : new LookupClient(
        new LookupClientOptions([.. options.Nameservers.Select(e => new NameServer(e))])
        {
            UseCache = false,
            Timeout = options.Timeout,
            Retries = options.Retries,
            ThrowDnsErrors = false,
            UseTcpFallback = true,
        }));

    public int QueriesSent => queries;

    private int queries;

    /// <summary>Resolves each distinct name once, in parallel up to the configured degree.</summary>
    public async Task<ImmutableDictionary<string, Observation>> ResolveAsync(IEnumerable<string> names, CancellationToken ct)
    {
        var distinct = names.Select(GateDecider.Normalise).Distinct(StringComparer.Ordinal).ToList();
        var results = new ConcurrentDictionary<string, Observation>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(distinct, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = ct }, async (name, token) =>
        {
            results[name] = await CnameFollower.FollowAsync(name, n => LookupAsync(n, token));
        });
        return results.ToImmutableDictionary(StringComparer.Ordinal);
    }

    /// <summary>Resolves and decides a batch of requests (the DNS gate's re-check after Cloudflare upserts).</summary>
    public async Task<ImmutableArray<GateDecision>> CheckAsync(IReadOnlyList<GateRequest> requests, CancellationToken ct)
    {
        var obs = await ResolveAsync(requests.Select(r => r.Vhost).Concat(requests.Select(r => r.ExpectedHost)), ct);
        return [.. requests.Select(r => GateDecider.Decide("", r.ExpectedHost,
            [.. r.DeclaredAddresses.Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>()],
            obs[GateDecider.Normalise(r.ExpectedHost)], obs[GateDecider.Normalise(r.Vhost)]))];
    }

    private async Task<DnsAnswer> LookupAsync(string name, CancellationToken ct)
    {
        LookupClient client;
        try
        {
            client = overrideClient.Value ?? await AuthoritativeClientAsync(name, ct);
        }
        catch (DnsResponseException ex)
        {
            return new DnsAnswer(false, [], [], "finding the nameservers failed: " + ex.Message);
        }

        var answer = await QueryBothAsync(client, name, ct);
        if (answer.Error is not null && overrideClient.Value is null && !ReferenceEquals(client, systemClient.Value))
        {
            // The zone's own servers did not answer: the bootstrap/system resolver is the design's fallback.
            return await QueryBothAsync(systemClient.Value, name, ct);
        }

        return answer;
    }

    private async Task<DnsAnswer> QueryBothAsync(LookupClient client, string name, CancellationToken ct)
    {
        var cnames = ImmutableArray.CreateBuilder<(string, string)>();
        var addresses = ImmutableArray.CreateBuilder<IPAddress>();
        var nx = false;
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            IDnsQueryResponse response;
            try
            {
                Interlocked.Increment(ref queries);
                response = await client.QueryAsync(name, type, QueryClass.IN, ct);
            }
            catch (DnsResponseException ex)
            {
                return new DnsAnswer(false, [], [], $"{type} query for {name}: {ex.Message}");
            }

            switch (response.Header.ResponseCode)
            {
                case DnsHeaderResponseCode.NotExistentDomain:
                    nx = true;
                    break;
                case DnsHeaderResponseCode.NoError:
                    break;
                default:
                    return new DnsAnswer(false, [], [], $"{type} query for {name}: {response.Header.ResponseCode}");
            }

            foreach (var c in response.Answers.CnameRecords())
            {
                cnames.Add((c.DomainName.Value, c.CanonicalName.Value));
            }

            addresses.AddRange(response.Answers.ARecords().Select(a => a.Address));
            addresses.AddRange(response.Answers.AaaaRecords().Select(a => a.Address));
        }

        return new DnsAnswer(nx, [.. cnames.Distinct()], [.. addresses.Distinct()], null);
    }

    /// <summary>The zone's own nameservers: the closest ancestor of the name with NS records, asked directly.</summary>
    private Task<LookupClient> AuthoritativeClientAsync(string name, CancellationToken ct)
    {
        var labels = name.Split('.');
        return zoneClients.GetOrAdd(string.Join('.', labels.Skip(1)), async _ =>
        {
            for (var i = 0; i < labels.Length - 1; i++)
            {
                var zone = string.Join('.', labels.Skip(i));
                var ns = await systemClient.Value.QueryAsync(zone, QueryType.NS, QueryClass.IN, ct);
                var hosts = ns.Answers.NsRecords().Select(r => r.NSDName.Value).ToList();
                if (hosts.Count == 0)
                {
                    continue;
                }

                var servers = new List<NameServer>();
                foreach (var host in hosts)
                {
                    var a = await systemClient.Value.QueryAsync(host, QueryType.A, QueryClass.IN, ct);
                    servers.AddRange(a.Answers.ARecords().Select(r => new NameServer(new IPEndPoint(r.Address, options.AuthoritativePort))));
                }

                if (servers.Count > 0)
                {
                    return new LookupClient(new LookupClientOptions([.. servers])
                    {
                        UseCache = false,
                        Timeout = options.Timeout,
                        Retries = options.Retries,
                        ThrowDnsErrors = false,
                        UseTcpFallback = true,
                        Recursion = false,
                    });
                }
            }

            return systemClient.Value; // no delegation found: the system resolver is the best we have
        });
    }
}
