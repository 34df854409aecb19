using System.Collections.Immutable;
using Provider.Planning.Gate;

namespace Provider.Nodes.Cloudflare;

public enum UpsertStatus
{
    Created,
    Updated,
    Unchanged,

    /// <summary>A CNAME/A/AAAA without the managed marker is in the way and adopt was not given.</summary>
    BlockedByUnmanaged,

    /// <summary>The vhost is not the zone or a name below it.</summary>
    OutsideZone,
    Error,
}

public sealed record CloudflareRecordSummary(string Id, string Type, string Content, string? Comment);

/// <param name="Records">For <see cref="UpsertStatus.BlockedByUnmanaged"/> the records in the way; otherwise the records that were replaced or deleted.</param>
public sealed record UpsertOutcome(
    string Vhost,
    UpsertStatus Status,
    string Target,
    ImmutableArray<CloudflareRecordSummary> Records,
    bool Adopted,
    string Message);

public sealed record CloudflareUpsertOptions
{
    /// <summary>Replace conflicting records that do not carry the managed marker (<c>--adopt</c>).</summary>
    public bool Adopt { get; init; }

    /// <summary>TTL of records the tool writes: 1 (automatic) or 60 and up.</summary>
    public int Ttl { get; init; } = 60;
}

/// <summary>
/// Points failing vhosts at their node through Cloudflare (DESIGN §6), safely: only records carrying
/// <see cref="ManagedComment"/> are changed, unless adopt is given. Records are written DNS-only
/// (proxied: false), because a proxied record would resolve to Cloudflare, not to the node.
/// </summary>
public sealed class CloudflareUpserter(CloudflareClient client, CloudflareZone zone, CloudflareUpsertOptions? options = null)
{
    /// <summary>The comment that marks a record as created and owned by this tool.</summary>
    public const string ManagedComment = "managed-by: hostenv-provider";

    private static readonly ImmutableHashSet<string> AddressTypes = ImmutableHashSet.Create(StringComparer.Ordinal, "CNAME", "A", "AAAA");

    private readonly CloudflareUpsertOptions options = options ?? new CloudflareUpsertOptions();

    public static bool IsManaged(CloudflareDnsRecord record) =>
        string.Equals(record.Comment?.Trim(), ManagedComment, StringComparison.Ordinal);

    /// <summary>Upserts each request (call it with the vhosts whose gate decision is not ok), one at a time, in order.</summary>
    public async Task<ImmutableArray<UpsertOutcome>> UpsertAsync(IEnumerable<GateRequest> failing, CancellationToken cancellationToken)
    {
        var outcomes = ImmutableArray.CreateBuilder<UpsertOutcome>();
        foreach (var request in failing)
        {
            outcomes.Add(await UpsertOneAsync(request, cancellationToken).ConfigureAwait(false));
        }

        return outcomes.ToImmutable();
    }

    private async Task<UpsertOutcome> UpsertOneAsync(GateRequest request, CancellationToken cancellationToken)
    {
        var name = DnsName.Normalize(request.Vhost);
        var target = DnsName.Normalize(request.ExpectedHost);
        if (!DnsName.IsInZone(name, zone.Name))
        {
            return Outcome(UpsertStatus.OutsideZone, [], $"not in zone {zone.Name}");
        }

        try
        {
            var existing = (await client.ListDnsRecordsAsync(zone.Id, name, null, cancellationToken).ConfigureAwait(false))
                .Where(r => AddressTypes.Contains(r.Type.ToUpperInvariant()))
                .OrderBy(r => r.Type, StringComparer.Ordinal)
                .ThenBy(r => r.Id, StringComparer.Ordinal)
                .ToList();
            var desired = new CloudflareDnsRecordRequest("CNAME", name, target, Proxied: false, options.Ttl, ManagedComment);
            if (existing.Count == 0)
            {
                await client.CreateDnsRecordAsync(zone.Id, desired, cancellationToken).ConfigureAwait(false);
                return Outcome(UpsertStatus.Created, [], $"created CNAME {name} -> {target}");
            }

            var unmanaged = existing.Where(r => !IsManaged(r)).ToList();
            if (unmanaged.Count > 0 && !options.Adopt)
            {
                return Outcome(
                    UpsertStatus.BlockedByUnmanaged,
                    Summaries(unmanaged),
                    $"left {Describe(unmanaged)} alone: not managed by hostenv-provider (use --adopt to replace)");
            }

            var adopted = unmanaged.Count > 0;
            var keep = existing.Where(r => r.Type.Equals("CNAME", StringComparison.OrdinalIgnoreCase))
                .OrderBy(r => IsManaged(r) ? 0 : 1)
                .FirstOrDefault();
            var remove = existing.Where(r => !ReferenceEquals(r, keep)).ToList();
            foreach (var record in remove)
            {
                // Cloudflare refuses a CNAME beside A/AAAA at one name, so these go first.
                await client.DeleteDnsRecordAsync(zone.Id, record.Id, cancellationToken).ConfigureAwait(false);
            }

            var removed = remove.Count == 0 ? "" : $"; deleted {Describe(remove)}";
            if (keep is null)
            {
                await client.CreateDnsRecordAsync(zone.Id, desired, cancellationToken).ConfigureAwait(false);
                return Outcome(UpsertStatus.Updated, Summaries(remove), $"created CNAME {name} -> {target}{removed}", adopted);
            }

            if (remove.Count == 0 && IsDesired(keep, desired))
            {
                return Outcome(UpsertStatus.Unchanged, [], $"CNAME {name} -> {target} already in place");
            }

            if (!IsDesired(keep, desired))
            {
                await client.UpdateDnsRecordAsync(zone.Id, keep.Id, desired, cancellationToken).ConfigureAwait(false);
            }

            return Outcome(
                UpsertStatus.Updated,
                Summaries([keep, .. remove]),
                $"CNAME {name} now -> {target} (was {keep.Content}){removed}",
                adopted);
        }
        catch (CloudflareApiException ex)
        {
            return Outcome(UpsertStatus.Error, [], ex.Message);
        }

        UpsertOutcome Outcome(UpsertStatus status, ImmutableArray<CloudflareRecordSummary> records, string message, bool adopted = false) =>
            new(request.Vhost, status, target, records, adopted, message);
    }

    private static bool IsDesired(CloudflareDnsRecord record, CloudflareDnsRecordRequest desired) =>
        DnsName.AreEqual(record.Content, desired.Content)
        && !record.Proxied
        && record.Ttl == desired.Ttl
        && IsManaged(record);

    private static ImmutableArray<CloudflareRecordSummary> Summaries(IEnumerable<CloudflareDnsRecord> records) =>
        [.. records.Select(r => new CloudflareRecordSummary(r.Id, r.Type, r.Content, r.Comment))];

    private static string Describe(IEnumerable<CloudflareDnsRecord> records) =>
        string.Join(", ", records.Select(r => $"{r.Type} {r.Content} (id {r.Id})"));
}
