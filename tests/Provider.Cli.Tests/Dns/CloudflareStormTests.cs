using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Nodes.Tests.Cloudflare;

namespace Provider.Cli.Tests.Dns;

/// <summary>
/// Fault matrix, Cloudflare 5xx storm: the API answers 503 to everything from the moment dns-gate's first record change
/// lands. dns-gate fails clearly, leaves no half-made record and gates what it could not fix; a run after the storm converges.
/// </summary>
public sealed class CloudflareStormTests(DnsmasqFixture dns) : IClassFixture<DnsmasqFixture>, IDisposable
{
    private readonly TempDir repo = new();

    private static readonly string[] Managed = ["storm-one.zone.test", "storm-two.zone.test"];

    [Fact]
    public async Task DnsGate_Cloudflare5xxStormMidRun_FailsClearly_NoPartialRecord_NextRunConverges()
    {
        await using var cloudflare = await CloudflareContractServer.StartAsync();
        var zoneId = cloudflare.AddZone("zone.test");
        var storming = false;
        cloudflare.Changed += records =>
        {
            foreach (var r in records.Where(r => r.Type == "CNAME" && r.Content == "node-a.hosting.test"))
            {
                dns.SetHost(r.Name, "10.77.0.11");
            }

            if (!storming)
            {
                storming = true;
                cloudflare.FailNext(10_000, 503);
            }
        };
        Directory.CreateDirectory(Path.Combine(repo.Path, "nodes", "node-a"));
        File.WriteAllText(Path.Combine(repo.Path, "nodes", "node-a", "node.yaml"), "address: 10.77.0.11\naddresses: [10.77.0.11]\n");
        File.WriteAllText(Path.Combine(repo.Path, "provider.yaml"),
            $"hostenvHostname: hosting.test\nnodeFor: {{ default: node-a }}\nprojects:\n  acme__demo: {{ path: demo }}\ncloudflare: {{ enable: true, zoneId: {zoneId} }}\n");
        Directory.CreateDirectory(Path.Combine(repo.Path, "demo", ".hostenv"));
        File.WriteAllText(Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml"),
            "organisation: acme\nproject: demo\nenvironments:\n  main:\n    type: production\n    virtualHosts:\n" + string.Concat(Managed.Select(v => $"      {v}: {{}}\n")));
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        string[] gate = ["--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint, "--cloudflare", "--cf-token", CloudflareContractServer.Token, "--cf-api", cloudflare.BaseAddress.ToString()];

        var stormed = await CliRunner.RunAsync(gate);

        Assert.True(storming, "no record change reached the API: " + stormed.Stderr);
        Assert.Equal(1, stormed.ExitCode);
        Assert.Contains("503", stormed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stormed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(CloudflareContractServer.Token, stormed.Stdout + stormed.Stderr, StringComparison.Ordinal);
        // Each record is there whole or not at all, at most once; a vhost without its record stays gated.
        foreach (var name in Managed)
        {
            var records = cloudflare.Records.Where(r => r.Name == name).ToList();
            Assert.True(records.Count <= 1, $"{name}: {records.Count} records");
            Assert.All(records, r => Assert.Equal(("CNAME", "node-a.hosting.test"), (r.Type, r.Content)));
            if (records.Count == 0)
            {
                Assert.NotNull(Vhost(name)["dnsGate"]);
            }
        }

        Assert.Contains(Managed, name => !cloudflare.Records.Any(r => r.Name == name)); // the storm did stop the run part-way

        cloudflare.FailNext(0, 503);
        var after = await CliRunner.RunAsync(gate);
        Assert.True(after.ExitCode == 0, after.Stderr);
        foreach (var name in Managed)
        {
            Assert.Single(cloudflare.Records, r => r.Name == name && r.Type == "CNAME" && r.Content == "node-a.hosting.test");
            Assert.Null(Vhost(name)["dnsGate"]);
        }
    }

    private JsonNode Vhost(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["nodes"]!["node-a"]!["services"]!["nginx"]!["virtualHosts"]![name]!;

    public void Dispose() => repo.Dispose();
}
