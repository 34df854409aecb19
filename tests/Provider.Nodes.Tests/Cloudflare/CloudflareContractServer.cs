using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Provider.Nodes.Tests.Cloudflare;

/// <summary>
/// An in-memory stand-in for the Cloudflare v4 API as far as dns-gate uses it: the envelope, bearer
/// auth (401, code 10000), zones, DNS records with name/type filters and paging (per_page at most
/// 100), CNAME exclusivity (code 81053), and injected 429/500 answers for the next N requests.
/// Kestrel on 127.0.0.1, port 0.
/// </summary>
public sealed class CloudflareContractServer : IAsyncDisposable
{
    public const string Token = "cf-test-token-5ecret-value";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly WebApplication app;
    private readonly object gate = new();
    private readonly List<StoredRecord> records = [];
    private readonly Dictionary<string, string> zones = new(StringComparer.Ordinal);
    private readonly List<string> log = [];
    private int nextId;
    private int failuresLeft;
    private int failureStatus;
    private int? failureRetryAfter;

    private CloudflareContractServer(WebApplication app) => this.app = app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Raised after every change, with the record set as it now is.</summary>
    public event Action<IReadOnlyList<StoredRecord>>? Changed;

    public IReadOnlyList<string> RequestLog
    {
        get { lock (gate) { return [.. log]; } }
    }

    public IReadOnlyList<StoredRecord> Records
    {
        get { lock (gate) { return [.. records]; } }
    }

    public static async Task<CloudflareContractServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new CloudflareContractServer(app);
        server.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseAddress = new Uri(address + "/client/v4/");
        return server;
    }

    public string AddZone(string name)
    {
        lock (gate)
        {
            var id = "zone" + zones.Count.ToString(CultureInfo.InvariantCulture);
            zones[id] = name;
            return id;
        }
    }

    public StoredRecord Seed(string zoneId, string type, string name, string content, string? comment = null)
    {
        lock (gate)
        {
            var record = new StoredRecord(NewId(), zoneId, type, name, content, false, 1, comment);
            records.Add(record);
            return record;
        }
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/> (with Retry-After seconds for 429).</summary>
    public void FailNext(int count, int status, int? retryAfterSeconds = null)
    {
        lock (gate)
        {
            failuresLeft = count;
            failureStatus = status;
            failureRetryAfter = retryAfterSeconds;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private string NewId() => "rec" + (++nextId).ToString("D4", CultureInfo.InvariantCulture);

    private void Map(WebApplication web)
    {
        web.Use(async (context, next) =>
        {
            int? inject = null;
            int? retryAfter;
            lock (gate)
            {
                log.Add($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
                retryAfter = failureRetryAfter;
                if (failuresLeft > 0)
                {
                    failuresLeft--;
                    inject = failureStatus;
                }
            }

            if (context.Request.Headers.Authorization.ToString() != "Bearer " + Token)
            {
                await Write(context, 401, Envelope(null, [(10000, "Authentication error")]));
                return;
            }

            if (inject is { } status)
            {
                if (retryAfter is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                }

                var error = status == 429 ? (971, "Please wait and consider throttling your request speed") : (10001, "Internal error");
                await Write(context, status, Envelope(null, [error]));
                return;
            }

            await next(context);
        });

        web.MapGet("/client/v4/zones", (HttpContext c) =>
        {
            var name = c.Request.Query["name"].ToString();
            lock (gate)
            {
                var found = zones.Where(z => name.Length == 0 || z.Value == name)
                    .Select(z => (JsonNode?)new JsonObject { ["id"] = z.Key, ["name"] = z.Value });
                return Ok(new JsonArray([.. found]));
            }
        });

        web.MapGet("/client/v4/zones/{zoneId}", (string zoneId) =>
        {
            lock (gate)
            {
                return zones.TryGetValue(zoneId, out var name)
                    ? Ok(new JsonObject { ["id"] = zoneId, ["name"] = name })
                    : Fail(404, 1001, "Invalid zone identifier");
            }
        });

        web.MapGet("/client/v4/zones/{zoneId}/dns_records", (string zoneId, HttpContext c) =>
        {
            var q = c.Request.Query;
            var perPage = Math.Clamp(int.TryParse(q["per_page"], out var pp) ? pp : 100, 5, 100);
            var page = Math.Max(1, int.TryParse(q["page"], out var p) ? p : 1);
            lock (gate)
            {
                var matching = records
                    .Where(r => r.ZoneId == zoneId)
                    .Where(r => q["name"].Count == 0 || r.Name == q["name"].ToString())
                    .Where(r => q["type"].Count == 0 || r.Type == q["type"].ToString())
                    .ToList();
                var slice = matching.Skip((page - 1) * perPage).Take(perPage).Select(ToJson);
                var info = new JsonObject
                {
                    ["page"] = page,
                    ["per_page"] = perPage,
                    ["count"] = slice.Count(),
                    ["total_count"] = matching.Count,
                    ["total_pages"] = (matching.Count + perPage - 1) / perPage,
                };
                return Results.Json(Envelope(new JsonArray([.. slice]), [], info), Json);
            }
        });

        web.MapPost("/client/v4/zones/{zoneId}/dns_records", async (string zoneId, HttpContext c) =>
        {
            var body = await c.Request.ReadFromJsonAsync<RecordBody>(Json);
            if (body is null)
            {
                return Fail(400, 9207, "Request body is invalid.");
            }

            lock (gate)
            {
                if (Conflicts(zoneId, body.Name, body.Type, exceptId: null))
                {
                    return Fail(400, 81053, "An A, AAAA, or CNAME record with that host already exists.");
                }

                var record = new StoredRecord(NewId(), zoneId, body.Type, body.Name, body.Content, body.Proxied, body.Ttl, body.Comment);
                records.Add(record);
                return Notify(Ok(ToJson(record)));
            }
        });

        web.MapMethods("/client/v4/zones/{zoneId}/dns_records/{id}", ["PUT", "PATCH"], async (string zoneId, string id, HttpContext c) =>
        {
            var body = await c.Request.ReadFromJsonAsync<RecordBody>(Json);
            lock (gate)
            {
                var index = records.FindIndex(r => r.Id == id && r.ZoneId == zoneId);
                if (index < 0 || body is null)
                {
                    return Fail(404, 81044, "Record does not exist.");
                }

                if (Conflicts(zoneId, body.Name, body.Type, exceptId: id))
                {
                    return Fail(400, 81053, "An A, AAAA, or CNAME record with that host already exists.");
                }

                records[index] = records[index] with
                {
                    Type = body.Type,
                    Name = body.Name,
                    Content = body.Content,
                    Proxied = body.Proxied,
                    Ttl = body.Ttl,
                    Comment = body.Comment,
                };
                return Notify(Ok(ToJson(records[index])));
            }
        });

        web.MapDelete("/client/v4/zones/{zoneId}/dns_records/{id}", (string zoneId, string id) =>
        {
            lock (gate)
            {
                return records.RemoveAll(r => r.Id == id && r.ZoneId == zoneId) == 0
                    ? Fail(404, 81044, "Record does not exist.")
                    : Notify(Ok(new JsonObject { ["id"] = id }));
            }
        });
    }

    private bool Conflicts(string zoneId, string name, string type, string? exceptId) =>
        records.Any(r => r.ZoneId == zoneId && r.Name == name && r.Id != exceptId
            && (type == "CNAME" ? r.Type is "A" or "AAAA" or "CNAME" : r.Type == "CNAME" && type is "A" or "AAAA"));

    private IResult Notify(IResult result)
    {
        Changed?.Invoke([.. records]);
        return result;
    }

    private static JsonObject ToJson(StoredRecord r) => new()
    {
        ["id"] = r.Id,
        ["zone_id"] = r.ZoneId,
        ["type"] = r.Type,
        ["name"] = r.Name,
        ["content"] = r.Content,
        ["proxied"] = r.Proxied,
        ["ttl"] = r.Ttl,
        ["comment"] = r.Comment,
    };

    private static IResult Ok(JsonNode result) => Results.Json(Envelope(result, []), Json);

    private static IResult Fail(int status, int code, string message) => Results.Json(Envelope(null, [(code, message)]), Json, statusCode: status);

    private static JsonObject Envelope(JsonNode? result, IEnumerable<(int Code, string Message)> errors, JsonObject? info = null)
    {
        var errorList = errors.ToList();
        var envelope = new JsonObject
        {
            ["success"] = errorList.Count == 0,
            ["errors"] = new JsonArray([.. errorList.Select(e => (JsonNode?)new JsonObject { ["code"] = e.Code, ["message"] = e.Message })]),
            ["messages"] = new JsonArray(),
            ["result"] = result,
        };
        if (info is not null)
        {
            envelope["result_info"] = info;
        }

        return envelope;
    }

    private static Task Write(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body, Json);
    }

    public sealed record StoredRecord(string Id, string ZoneId, string Type, string Name, string Content, bool Proxied, int Ttl, string? Comment);

    private sealed record RecordBody(string Type, string Name, string Content, bool Proxied, int Ttl, string? Comment);
}
