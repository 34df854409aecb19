using Provider.Nodes.Cloudflare;
using Provider.Planning.Gate;

namespace Provider.Nodes.Tests.Cloudflare;

public sealed class CloudflareUpserterTests : IAsyncLifetime, IDisposable
{
    private const string Node = "node-a.hosting.test";

    private readonly HttpClient http = new();
    private CloudflareContractServer server = null!;
    private CloudflareZone zone = new("", "");

    public async Task InitializeAsync()
    {
        server = await CloudflareContractServer.StartAsync();
        zone = new CloudflareZone(server.AddZone("example.test"), "example.test");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    public void Dispose() => http.Dispose();

    private CloudflareUpserter Upserter(bool adopt = false) =>
        new(
            new CloudflareClient(http, new CloudflareApiToken(CloudflareContractServer.Token), new CloudflareClientOptions { BaseAddress = server.BaseAddress }),
            zone,
            new CloudflareUpsertOptions { Adopt = adopt });

    private static GateRequest Request(string vhost) => new(vhost, Node, []);

    private async Task<UpsertOutcome> UpsertOneAsync(string vhost, bool adopt = false) =>
        Assert.Single(await Upserter(adopt).UpsertAsync([Request(vhost)], CancellationToken.None));

    [Fact]
    public async Task UpsertAsync_NoRecord_CreatesManagedDnsOnlyCname()
    {
        var outcome = await UpsertOneAsync("Shop.Example.Test.");

        Assert.Equal(UpsertStatus.Created, outcome.Status);
        var record = Assert.Single(server.Records);
        Assert.Equal(("CNAME", "shop.example.test", Node, false, 60, CloudflareUpserter.ManagedComment),
            (record.Type, record.Name, record.Content, record.Proxied, record.Ttl, record.Comment));
    }

    [Fact]
    public async Task UpsertAsync_ManagedRecordWithOldTarget_Updated()
    {
        var old = server.Seed(zone.Id, "CNAME", "shop.example.test", "node-b.hosting.test", CloudflareUpserter.ManagedComment);

        var outcome = await UpsertOneAsync("shop.example.test");

        Assert.Equal(UpsertStatus.Updated, outcome.Status);
        Assert.False(outcome.Adopted);
        var record = Assert.Single(server.Records);
        Assert.Equal((old.Id, Node), (record.Id, record.Content));
        Assert.Contains("was node-b.hosting.test", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpsertAsync_ManagedRecordAlreadyRight_UnchangedWithoutWrites()
    {
        server.Seed(zone.Id, "CNAME", "shop.example.test", Node, CloudflareUpserter.ManagedComment);
        var upserter = Upserter();
        await upserter.UpsertAsync([Request("shop.example.test")], CancellationToken.None); // sets ttl 60, proxied false

        var outcome = Assert.Single(await upserter.UpsertAsync([Request("shop.example.test")], CancellationToken.None));

        Assert.Equal(UpsertStatus.Unchanged, outcome.Status);
        Assert.Equal(1, server.RequestLog.Count(l => l.StartsWith("PUT", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task UpsertAsync_UnmanagedConflict_BlockedAndLeftAlone()
    {
        var a = server.Seed(zone.Id, "A", "shop.example.test", "192.0.2.1");
        var before = server.Records;

        var outcome = await UpsertOneAsync("shop.example.test");

        Assert.Equal(UpsertStatus.BlockedByUnmanaged, outcome.Status);
        Assert.Equal(new CloudflareRecordSummary(a.Id, "A", "192.0.2.1", null), Assert.Single(outcome.Records));
        Assert.Contains("--adopt", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(before, server.Records);
        Assert.DoesNotContain(server.RequestLog, l => !l.StartsWith("GET", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpsertAsync_AdoptUnmanagedAddresses_ReplacedByManagedCname()
    {
        var a = server.Seed(zone.Id, "A", "shop.example.test", "192.0.2.1");
        var aaaa = server.Seed(zone.Id, "AAAA", "shop.example.test", "2001:db8::1");
        server.Seed(zone.Id, "TXT", "shop.example.test", "keep me");

        var outcome = await UpsertOneAsync("shop.example.test", adopt: true);

        Assert.Equal(UpsertStatus.Updated, outcome.Status);
        Assert.True(outcome.Adopted);
        Assert.Equal([a.Id, aaaa.Id], outcome.Records.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["CNAME node-a.hosting.test managed-by: hostenv-provider", "TXT keep me "],
            server.Records.Select(r => $"{r.Type} {r.Content} {r.Comment}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task UpsertAsync_AdoptUnmanagedCname_UpdatedInPlaceWithMarker()
    {
        var cname = server.Seed(zone.Id, "CNAME", "shop.example.test", "old.example.net", "by hand");

        var outcome = await UpsertOneAsync("shop.example.test", adopt: true);

        Assert.Equal(UpsertStatus.Updated, outcome.Status);
        var record = Assert.Single(server.Records);
        Assert.Equal((cname.Id, Node, CloudflareUpserter.ManagedComment), (record.Id, record.Content, record.Comment));
    }

    [Fact]
    public async Task UpsertAsync_NameOutsideZone_OutsideZoneNoCalls()
    {
        var outcome = await UpsertOneAsync("shop.elsewhere.test");

        Assert.Equal(UpsertStatus.OutsideZone, outcome.Status);
        Assert.Empty(server.RequestLog);
    }

    [Fact]
    public async Task UpsertAsync_ListFailsWith500_ErrorAndNothingCreated()
    {
        server.FailNext(1, 500);

        var outcome = await UpsertOneAsync("shop.example.test");

        Assert.Equal(UpsertStatus.Error, outcome.Status);
        Assert.Contains("500", outcome.Message, StringComparison.Ordinal);
        Assert.Empty(server.Records);
        Assert.DoesNotContain(server.RequestLog, l => l.StartsWith("POST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpsertAsync_BadToken_ErrorWithoutToken()
    {
        var upserter = new CloudflareUpserter(
            new CloudflareClient(http, new CloudflareApiToken("wrong-secret"), new CloudflareClientOptions { BaseAddress = server.BaseAddress }),
            zone);

        var outcome = Assert.Single(await upserter.UpsertAsync([Request("shop.example.test")], CancellationToken.None));

        Assert.Equal(UpsertStatus.Error, outcome.Status);
        Assert.Contains("[10000]", outcome.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", outcome.ToString(), StringComparison.Ordinal);
    }
}
