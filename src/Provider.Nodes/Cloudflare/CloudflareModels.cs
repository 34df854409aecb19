using System.Collections.Immutable;

namespace Provider.Nodes.Cloudflare;

public sealed record CloudflareZone(string Id, string Name);

public sealed record CloudflareError(int Code, string Message);

/// <summary>A DNS record as the v4 API returns it (the fields dns-gate uses).</summary>
public sealed record CloudflareDnsRecord(string Id, string Type, string Name, string Content, bool Proxied, int Ttl, string? Comment);

/// <summary>The body of a create (POST) or overwrite (PUT).</summary>
public sealed record CloudflareDnsRecordRequest(string Type, string Name, string Content, bool Proxied, int Ttl, string? Comment);

public sealed record CloudflareClientOptions
{
    public static Uri DefaultBaseAddress { get; } = new("https://api.cloudflare.com/client/v4/");

    public Uri BaseAddress { get; init; } = DefaultBaseAddress;

    /// <summary>How many 429 answers are waited out (honouring Retry-After) before the request fails.</summary>
    public int MaxRateLimitRetries { get; init; } = 3;

    /// <summary>The longest single wait a Retry-After may ask for.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    public int PageSize { get; init; } = 100;
}

internal sealed record CloudflareEnvelope<T>(
    bool Success,
    List<CloudflareError>? Errors,
    T? Result,
    CloudflareResultInfo? ResultInfo);

internal sealed record CloudflareResultInfo(int Page, int PerPage, int Count, int TotalCount, int TotalPages);

internal sealed record CloudflareDeleted(string Id);

internal static class CloudflareErrors
{
    public static ImmutableArray<CloudflareError> Of<T>(CloudflareEnvelope<T>? envelope) =>
        envelope?.Errors is { } errors ? [.. errors] : [];
}
