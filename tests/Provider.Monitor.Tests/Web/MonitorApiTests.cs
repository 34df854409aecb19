using System.Net;
using System.Text.Json;

namespace Provider.Monitor.Tests.Web;

public class MonitorApiTests(MonitorServerFixture fixture) : IClassFixture<MonitorServerFixture>
{
    private HttpClient Client => fixture.Server.Client;

    [Fact]
    public async Task Fleet_SeededNodes_ReturnsSnapshotsHealthAndSummary()
    {
        using var response = await Client.GetAsync("/api/fleet");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;

        Assert.Equal(["generatedAt", "intervalSeconds", "summary", "nodes"], root.EnumerateObject().Select(p => p.Name));
        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(["alpha", "beta"], nodes.Select(n => n.GetProperty("node").GetString()));
        var health = nodes[0].GetProperty("environments").EnumerateArray()
            .ToDictionary(e => e.GetProperty("environment").GetString() ?? "", e => e.GetProperty("health").GetString());
        Assert.Equal("healthy", health["shop"]);
        Assert.Equal("down", health["api"]);
        Assert.False(nodes[1].GetProperty("reachable").GetBoolean());
        Assert.Contains("Connection refused", nodes[1].GetProperty("error").GetString(), StringComparison.Ordinal);

        var summary = root.GetProperty("summary");
        Assert.Equal(1, summary.GetProperty("unreachable").GetInt32());
        Assert.Equal(1, summary.GetProperty("environments").GetProperty("down").GetInt32());
        Assert.True(summary.GetProperty("environments").GetProperty("healthy").GetInt32() >= 1);
    }

    [Fact]
    public async Task Node_Known_ReturnsNewestSnapshotAndResourceHistory()
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync("/api/nodes/alpha"));
        Assert.Equal(42, json.RootElement.GetProperty("node").GetProperty("generationNumber").GetInt32());
        var first = json.RootElement.GetProperty("resources")[0];
        Assert.Equal(0.42, first.GetProperty("load1").GetDouble());
    }

    [Fact]
    public async Task Node_Unknown_Returns404Problem()
    {
        using var response = await Client.GetAsync("/api/nodes/gamma");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("gamma", json.RootElement.GetProperty("node").GetString());
    }

    [Fact]
    public async Task Logs_TokenWithFilters_FindsTheLineHighlighted()
    {
        var hits = await HitsAsync($"/api/logs?q={FleetSeed.Token}&node=alpha&env=shop&since=1h&limit=10");
        var hit = Assert.Single(hits);
        Assert.Contains($"<mark>{FleetSeed.Token}</mark>", hit.GetProperty("highlighted").GetString(), StringComparison.Ordinal);
        Assert.Equal("journal:shop-blue.service", hit.GetProperty("line").GetProperty("source").GetString());

        Assert.Empty(await HitsAsync($"/api/logs?q={FleetSeed.Token}&env=blog"));
        Assert.Empty(await HitsAsync($"/api/logs?q={FleetSeed.Token}&level=err"));
        Assert.Empty(await HitsAsync($"/api/logs?q={FleetSeed.Token}&since=5m"));
        Assert.Single(await HitsAsync("/api/logs?q=gateway&level=error&since=2026-03-01T11:00:00Z"));
    }

    [Fact]
    public async Task Logs_Paging_ContinuesWithNextBeforeId()
    {
        using var first = JsonDocument.Parse(await Client.GetStringAsync("/api/logs?source=nginx-access:shop.example&limit=20"));
        Assert.Equal(20, first.RootElement.GetProperty("hits").GetArrayLength());
        var before = first.RootElement.GetProperty("nextBeforeId").GetInt64();
        var rest = await HitsAsync($"/api/logs?source=nginx-access:shop.example&limit=20&before={before}");
        Assert.Equal(FleetSeed.Requests - 20, rest.Count);
    }

    [Theory]
    [InlineData("since=yesterday", "since")]
    [InlineData("until=15x", "until")]
    [InlineData("limit=lots", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("level=loud", "level")]
    [InlineData("before=-3", "before")]
    public async Task Logs_BadParameter_Returns400ProblemNamingIt(string query, string parameter)
    {
        using var response = await Client.GetAsync("/api/logs?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var body = json.RootElement;
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        Assert.Equal(parameter, body.GetProperty("parameter").GetString());
        Assert.Contains(query.Split('=')[1], body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(parameter + "=", body.GetProperty("example").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_LimitAbove500_IsCappedNotRefused()
    {
        using var response = await Client.GetAsync("/api/logs?limit=100000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Logs_UnknownNodeFilter_Returns404()
    {
        using var response = await Client.GetAsync("/api/logs?node=gamma");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task History_FilteredByEnvironment_NewestFirst()
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync("/api/history?node=alpha&env=shop"));
        var events = json.RootElement.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["r7", "r6"], events.Select(e => e.GetProperty("release").GetString()));
        Assert.All(events, e => Assert.Equal("shop", e.GetProperty("environment").GetString()));
    }

    [Fact]
    public async Task Rates_LastHour_CountsRequestsAndErrors()
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync("/api/rates?node=alpha&vhost=shop.example&since=1h"));
        var buckets = json.RootElement.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(FleetSeed.Requests, buckets.Sum(b => b.GetProperty("requests").GetInt32()));
        Assert.Equal(FleetSeed.Errors, buckets.Sum(b => b.GetProperty("errors").GetInt32()));
    }

    [Fact]
    public async Task Events_CyclePublished_ArrivesAsSseEventAndKeepalivesFollow()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await Client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        Assert.Equal("retry: 5000", await reader.ReadLineAsync(cts.Token));
        fixture.Server.Signal.Publish("alpha");
        var lines = new List<string>();
        while (!lines.Contains(": keepalive") || !lines.Contains("event: cycle"))
        {
            lines.Add(await reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException());
        }

        var at = lines.IndexOf("event: cycle");
        Assert.Equal("data: {\"node\":\"alpha\"}", lines[at + 1]);
        Assert.Equal(string.Empty, lines[at + 2]);
    }

    [Fact]
    public async Task Pages_PartialHeader_ReturnsOnlyMainContent()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-Partial", "1");
        using var response = await Client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("<h1>Fleet</h1>", html.TrimStart(), StringComparison.Ordinal);
        Assert.DoesNotContain("<html", html, StringComparison.Ordinal);
        Assert.Contains("data-env=\"shop\"", await Client.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assets_VersionedUrl_IsCachedForAYear()
    {
        var page = await Client.GetStringAsync("/");
        var url = System.Text.RegularExpressions.Regex.Match(page, "/assets/monitor\\.css\\?v=[0-9a-f]+").Value;
        using var response = await Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.NotNull(response.Headers.ETag);
    }

    private async Task<List<JsonElement>> HitsAsync(string url)
    {
        using var response = await Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("hits").EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
