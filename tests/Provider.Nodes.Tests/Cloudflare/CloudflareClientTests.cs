using System.Net;
using Provider.Nodes.Cloudflare;

namespace Provider.Nodes.Tests.Cloudflare;

public sealed class CloudflareClientTests : IAsyncLifetime, IDisposable
{
    private readonly HttpClient http = new();
    private readonly List<TimeSpan> waits = [];
    private CloudflareContractServer server = null!;
    private string zoneId = "";

    public async Task InitializeAsync()
    {
        server = await CloudflareContractServer.StartAsync();
        zoneId = server.AddZone("example.test");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    public void Dispose() => http.Dispose();

    private CloudflareClient Client(string token = CloudflareContractServer.Token) =>
        new(http, new CloudflareApiToken(token), new CloudflareClientOptions { BaseAddress = server.BaseAddress }, (d, _) =>
        {
            waits.Add(d);
            return Task.CompletedTask;
        });

    [Fact]
    public async Task FindZoneAsync_KnownAndUnknownName_ZoneOrNull()
    {
        var client = Client();

        Assert.Equal(new CloudflareZone(zoneId, "example.test"), await client.FindZoneAsync("example.test", CancellationToken.None));
        Assert.Null(await client.FindZoneAsync("nope.test", CancellationToken.None));
        Assert.Equal("example.test", (await client.GetZoneAsync(zoneId, CancellationToken.None)).Name);
    }

    [Fact]
    public async Task ListDnsRecordsAsync_MoreThanOnePage_ReturnsEveryRecord()
    {
        for (var i = 0; i < 250; i++)
        {
            server.Seed(zoneId, "TXT", "many.example.test", $"v={i}");
        }

        server.Seed(zoneId, "A", "other.example.test", "192.0.2.1");

        var records = await Client().ListDnsRecordsAsync(zoneId, "many.example.test", null, CancellationToken.None);

        Assert.Equal(250, records.Length);
        Assert.Equal(250, records.Select(r => r.Id).Distinct().Count());
        Assert.Equal(3, server.RequestLog.Count(l => l.Contains("/dns_records?", StringComparison.Ordinal)));
        Assert.All(server.RequestLog, l => Assert.Contains("per_page=100", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListDnsRecordsAsync_TypeFilter_OnlyThatType()
    {
        server.Seed(zoneId, "A", "www.example.test", "192.0.2.1");
        server.Seed(zoneId, "TXT", "www.example.test", "hello");

        var records = await Client().ListDnsRecordsAsync(zoneId, "www.example.test", "A", CancellationToken.None);

        Assert.Equal("192.0.2.1", Assert.Single(records).Content);
    }

    [Fact]
    public async Task SendAsync_RateLimitedTwice_WaitsRetryAfterThenSucceeds()
    {
        server.FailNext(2, 429, retryAfterSeconds: 7);

        var zone = await Client().FindZoneAsync("example.test", CancellationToken.None);

        Assert.NotNull(zone);
        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7)], waits);
        Assert.Equal(3, server.RequestLog.Count);
    }

    [Fact]
    public async Task SendAsync_RateLimitedBeyondRetries_ThrowsWith429()
    {
        server.FailNext(10, 429, retryAfterSeconds: 1000);

        var ex = await Assert.ThrowsAsync<CloudflareApiException>(() => Client().FindZoneAsync("example.test", CancellationToken.None));

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.Status);
        Assert.Equal<int>([971], ex.ErrorCodes);
        Assert.Equal(4, server.RequestLog.Count);
        Assert.All(waits, w => Assert.Equal(TimeSpan.FromSeconds(60), w));
    }

    [Fact]
    public async Task ListDnsRecordsAsync_ServerError_ThrowsInsteadOfEmpty()
    {
        server.Seed(zoneId, "A", "www.example.test", "192.0.2.1");
        server.FailNext(1, 500);

        var ex = await Assert.ThrowsAsync<CloudflareApiException>(() =>
            Client().ListDnsRecordsAsync(zoneId, "www.example.test", null, CancellationToken.None));

        Assert.Equal(HttpStatusCode.InternalServerError, ex.Status);
        Assert.Contains("[10001] Internal error", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_WrongToken_AuthenticationFailureCode10000()
    {
        var ex = await Assert.ThrowsAsync<CloudflareApiException>(() => Client("wrong-token-value").FindZoneAsync("example.test", CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.Status);
        Assert.True(ex.IsAuthenticationFailure);
        Assert.Equal<int>([10000], ex.ErrorCodes);
        Assert.Equal("Cloudflare API GET zones: 401 Unauthorized: [10000] Authentication error", ex.Message);
    }

    [Fact]
    public async Task Failures_AnyKind_NeverShowTheToken()
    {
        var token = new CloudflareApiToken(CloudflareContractServer.Token);
        var client = new CloudflareClient(http, token, new CloudflareClientOptions { BaseAddress = server.BaseAddress });
        var unreachable = new CloudflareClient(http, token, new CloudflareClientOptions { BaseAddress = new Uri("http://127.0.0.1:1/client/v4") });
        server.FailNext(1, 500);

        var serverError = await Assert.ThrowsAsync<CloudflareApiException>(() => client.GetZoneAsync(zoneId, CancellationToken.None));
        var noServer = await Assert.ThrowsAsync<CloudflareApiException>(() => unreachable.GetZoneAsync(zoneId, CancellationToken.None));
        var auth = await Assert.ThrowsAsync<CloudflareApiException>(() => Client("another-secret-token").GetZoneAsync(zoneId, CancellationToken.None));

        Assert.Null(noServer.Status);
        var shown = new[] { serverError.ToString(), noServer.ToString(), auth.ToString(), client.ToString(), token.ToString() };
        Assert.All(shown, text =>
        {
            Assert.DoesNotContain(CloudflareContractServer.Token, text, StringComparison.Ordinal);
            Assert.DoesNotContain("another-secret-token", text, StringComparison.Ordinal);
        });
        Assert.Equal(CloudflareApiToken.Redacted, token.ToString());
    }
}
