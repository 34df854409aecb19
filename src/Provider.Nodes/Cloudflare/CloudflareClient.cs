using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Provider.Nodes.Cloudflare;

/// <summary>
/// A small typed client for the Cloudflare v4 API (zones and DNS records). Every failure becomes a
/// <see cref="CloudflareApiException"/>; 429 answers are retried after their Retry-After, a bounded
/// number of times. The token only ever travels in the Authorization header.
/// </summary>
public sealed class CloudflareClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
    };

    private readonly HttpClient http;
    private readonly CloudflareApiToken token;
    private readonly CloudflareClientOptions options;
    private readonly Func<TimeSpan, CancellationToken, Task> delay;
    private readonly Uri baseAddress;

    /// <param name="delay">Waits out a Retry-After; tests pass one that does not sleep.</param>
    public CloudflareClient(HttpClient http, CloudflareApiToken token, CloudflareClientOptions? options = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        this.http = http;
        this.token = token;
        this.options = options ?? new CloudflareClientOptions();
        this.delay = delay ?? Task.Delay;
        var text = this.options.BaseAddress.ToString();
        baseAddress = new Uri(text.EndsWith('/') ? text : text + "/");
    }

    public override string ToString() => $"CloudflareClient({baseAddress}, token {token})";

    /// <summary>The zone with this exact name, or null when the token sees none.</summary>
    public async Task<CloudflareZone?> FindZoneAsync(string name, CancellationToken cancellationToken)
    {
        var (zones, _) = await SendAsync<List<CloudflareZone>>(HttpMethod.Get, $"zones?name={Escape(name)}", null, cancellationToken).ConfigureAwait(false);
        return zones.FirstOrDefault();
    }

    public async Task<CloudflareZone> GetZoneAsync(string zoneId, CancellationToken cancellationToken) =>
        (await SendAsync<CloudflareZone>(HttpMethod.Get, $"zones/{Escape(zoneId)}", null, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary>Every DNS record at <paramref name="name"/> (all pages), optionally of one type.</summary>
    public async Task<ImmutableArray<CloudflareDnsRecord>> ListDnsRecordsAsync(string zoneId, string name, string? type, CancellationToken cancellationToken)
    {
        var all = ImmutableArray.CreateBuilder<CloudflareDnsRecord>();
        var typeFilter = type is null ? "" : $"&type={Escape(type)}";
        for (var page = 1; ; page++)
        {
            var path = $"zones/{Escape(zoneId)}/dns_records?name={Escape(name)}{typeFilter}&per_page={options.PageSize.ToString(CultureInfo.InvariantCulture)}&page={page.ToString(CultureInfo.InvariantCulture)}";
            var (records, info) = await SendAsync<List<CloudflareDnsRecord>>(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
            all.AddRange(records);
            if (info is null || page >= info.TotalPages || records.Count == 0)
            {
                return all.ToImmutable();
            }
        }
    }

    public async Task<CloudflareDnsRecord> CreateDnsRecordAsync(string zoneId, CloudflareDnsRecordRequest record, CancellationToken cancellationToken) =>
        (await SendAsync<CloudflareDnsRecord>(HttpMethod.Post, $"zones/{Escape(zoneId)}/dns_records", record, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary>Overwrites a record (PUT).</summary>
    public async Task<CloudflareDnsRecord> UpdateDnsRecordAsync(string zoneId, string recordId, CloudflareDnsRecordRequest record, CancellationToken cancellationToken) =>
        (await SendAsync<CloudflareDnsRecord>(HttpMethod.Put, $"zones/{Escape(zoneId)}/dns_records/{Escape(recordId)}", record, cancellationToken).ConfigureAwait(false)).Result;

    public async Task DeleteDnsRecordAsync(string zoneId, string recordId, CancellationToken cancellationToken) =>
        await SendAsync<CloudflareDeleted>(HttpMethod.Delete, $"zones/{Escape(zoneId)}/dns_records/{Escape(recordId)}", null, cancellationToken).ConfigureAwait(false);

    private async Task<(T Result, CloudflareResultInfo? Info)> SendAsync<T>(HttpMethod method, string relative, object? body, CancellationToken cancellationToken)
    {
        var shownPath = relative.Split('?')[0];
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(baseAddress, relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body, body.GetType(), options: Json);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw Failure(method, shownPath, null, [], ex.Message, ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw Failure(method, shownPath, null, [], "timed out", ex);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < options.MaxRateLimitRetries)
                {
                    await delay(RetryAfter(response), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                CloudflareEnvelope<T>? envelope = null;
                string parseError = "";
                try
                {
                    envelope = await response.Content.ReadFromJsonAsync<CloudflareEnvelope<T>>(Json, cancellationToken).ConfigureAwait(false);
                }
                catch (JsonException ex)
                {
                    parseError = "the body is not a Cloudflare envelope: " + ex.Message;
                }

                var errors = CloudflareErrors.Of(envelope);
                if (!response.IsSuccessStatusCode)
                {
                    var detail = response.StatusCode == HttpStatusCode.TooManyRequests
                        ? $"still rate limited after {options.MaxRateLimitRetries.ToString(CultureInfo.InvariantCulture)} retries"
                        : "";
                    throw Failure(method, shownPath, response.StatusCode, errors, detail);
                }

                if (envelope is null || !envelope.Success)
                {
                    throw Failure(method, shownPath, response.StatusCode, errors, envelope is null ? parseError : "success: false");
                }

                if (envelope.Result is null)
                {
                    throw Failure(method, shownPath, response.StatusCode, errors, "the envelope has no result");
                }

                return (envelope.Result, envelope.ResultInfo);
            }
        }
    }

    private TimeSpan RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta
            ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : TimeSpan.FromSeconds(1));
        if (wait < TimeSpan.Zero)
        {
            wait = TimeSpan.Zero;
        }

        return wait > options.MaxRetryAfter ? options.MaxRetryAfter : wait;
    }

    private CloudflareApiException Failure(HttpMethod method, string path, HttpStatusCode? status, ImmutableArray<CloudflareError> errors, string detail, Exception? inner = null) =>
        new(method.Method, token.Scrub(path), status, [.. errors.Select(e => e with { Message = token.Scrub(e.Message) })], token.Scrub(detail), inner);

    private static string Escape(string value) => Uri.EscapeDataString(value);
}
