using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Dns;

/// <summary>dns-gate end to end against a zone of its own on a real dnsmasq.</summary>
public sealed class DnsGateCommandTests(DnsmasqFixture dns) : IClassFixture<DnsmasqFixture>, IDisposable
{
    private readonly TempDir repo = new();

    private static readonly string[] DefaultVhosts = ["a-match.zone.test", "cname-node.zone.test", "elsewhere.zone.test", "later.zone.test"];

    private async Task<TempDir> PlannedRepo(params string[] vhosts)
    {
        vhosts = vhosts.Length == 0 ? DefaultVhosts : vhosts;
        Directory.CreateDirectory(Path.Combine(repo.Path, "nodes", "node-a"));
        File.WriteAllText(Path.Combine(repo.Path, "nodes", "node-a", "node.yaml"), "address: 10.77.0.11\naddresses: [10.77.0.11]\n");
        File.WriteAllText(Path.Combine(repo.Path, "provider.yaml"), "hostenvHostname: hosting.test\nnodeFor: { default: node-a }\nprojects:\n  acme__demo: { path: demo }\n");
        Directory.CreateDirectory(Path.Combine(repo.Path, "demo", ".hostenv"));
        File.WriteAllText(Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml"),
            "organisation: acme\nproject: demo\nenvironments:\n  main:\n    type: production\n    virtualHosts:\n"
            + string.Concat(vhosts.Select(v => $"      {v}: {{}}\n")));
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        return repo;
    }

    private JsonNode Vhost(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["nodes"]!["node-a"]!["services"]!["nginx"]!["virtualHosts"]![name]!;

    [Fact]
    public async Task DnsGate_GatesExactlyTheVhostsNotPointingAtTheirNode_SecondRunChangesNothing()
    {
        await PlannedRepo();
        var before = File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json"));

        var dry = await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint, "--dry-run");
        Assert.Equal(2, dry.ExitCode);
        Assert.Equal(before, File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")));

        var run = await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint, "--format", "json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var report = JsonNode.Parse(run.Stdout)!["vhosts"]!.AsArray().ToDictionary(v => v!["vhost"]!.GetValue<string>(), v => v!["status"]!.GetValue<string>());
        Assert.Equal("ok", report["a-match.zone.test"]);
        Assert.Equal("ok", report["cname-node.zone.test"]);
        Assert.Equal("elsewhere", report["elsewhere.zone.test"]);
        Assert.Equal("missing", report["later.zone.test"]);

        Assert.True(Vhost("a-match.zone.test")["enableACME"]!.GetValue<bool>());
        Assert.Null(Vhost("a-match.zone.test")["dnsGate"]);
        var gated = Vhost("elsewhere.zone.test");
        Assert.False(gated["enableACME"]!.GetValue<bool>());
        Assert.False(gated["forceSSL"]!.GetValue<bool>());
        Assert.Null(gated["securityHeaders"]!["Strict-Transport-Security"]);
        Assert.Equal("elsewhere", gated["dnsGate"]!["status"]!.GetValue<string>());
        Assert.Contains("203.0.113.9", gated["dnsGate"]!["observed"]!.ToJsonString(), StringComparison.Ordinal);

        var gatedBytes = File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json"));
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint, "--dry-run")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint)).ExitCode);
        Assert.Equal(gatedBytes, File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")));

        // Re-planning keeps the gate's verdicts, so CI's plan --check passes on a gated plan.
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan", "--check")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        Assert.Equal(gatedBytes, File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")));
    }

    [Fact]
    public async Task DnsGate_WhenDnsIsFixed_RestoresWhatThePlannerWanted()
    {
        await PlannedRepo();
        var pure = JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!;
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint)).ExitCode);
        Assert.False(Vhost("later.zone.test")["enableACME"]!.GetValue<bool>());

        dns.SetHost("later.zone.test", "10.77.0.11");
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint)).ExitCode);

        var restored = Vhost("later.zone.test");
        Assert.Equal(pure["nodes"]!["node-a"]!["services"]!["nginx"]!["virtualHosts"]!["later.zone.test"]!.ToJsonString(), restored.ToJsonString());
        var certs = JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["nodes"]!["node-a"]!["security"]!["acme"]!["certs"]!;
        Assert.NotNull(certs["later.zone.test"]);
        Assert.Null(certs["elsewhere.zone.test"]);
    }

    [Fact]
    public async Task DnsGate_Cloudflare_CreatesManagedCname_LeavesUnmanagedConflict_AdoptReplacesIt()
    {
        await using var cloudflare = await Provider.Nodes.Tests.Cloudflare.CloudflareContractServer.StartAsync();
        var zoneId = cloudflare.AddZone("zone.test");
        cloudflare.Seed(zoneId, "A", "cf-taken.zone.test", "203.0.113.9"); // someone else's record, no marker
        // What the API holds reaches the zone's nameserver: a CNAME to the node becomes its address in dnsmasq.
        cloudflare.Changed += records =>
        {
            foreach (var r in records.Where(r => r.Type == "CNAME" && r.Content == "node-a.hosting.test"))
            {
                dns.SetHost(r.Name, "10.77.0.11");
            }
        };
        await PlannedRepo("a-match.zone.test", "cf-new.zone.test", "cf-taken.zone.test");
        var provider = Path.Combine(repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider) + $"cloudflare: {{ enable: true, zoneId: {zoneId} }}\n");
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);

        var run = await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint,
            "--cloudflare", "--cf-token", Provider.Nodes.Tests.Cloudflare.CloudflareContractServer.Token, "--cf-api", cloudflare.BaseAddress.ToString());

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("cloudflare cf-new.zone.test: Created", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("cloudflare cf-taken.zone.test: BlockedByUnmanaged", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("A 203.0.113.9", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Provider.Nodes.Tests.Cloudflare.CloudflareContractServer.Token, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Null(Vhost("cf-new.zone.test")["dnsGate"]); // fixed by the upsert and re-check: keeps TLS
        Assert.NotNull(Vhost("cf-taken.zone.test")["dnsGate"]); // blocked: stays gated
        Assert.Contains(cloudflare.Records, r => r.Name == "cf-taken.zone.test" && r.Type == "A" && r.Content == "203.0.113.9");

        var adopt = await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint,
            "--cloudflare", "--adopt", "--cf-token", Provider.Nodes.Tests.Cloudflare.CloudflareContractServer.Token, "--cf-api", cloudflare.BaseAddress.ToString());
        Assert.True(adopt.ExitCode == 0, adopt.Stderr);
        Assert.Contains("(adopted)", adopt.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(cloudflare.Records, r => r.Name == "cf-taken.zone.test" && r.Type == "A");
    }

    [Fact]
    public async Task DnsGate_CloudflareWrongToken_FailsClearly_GatesAnyway()
    {
        await using var cloudflare = await Provider.Nodes.Tests.Cloudflare.CloudflareContractServer.StartAsync();
        var zoneId = cloudflare.AddZone("zone.test");
        await PlannedRepo("a-match.zone.test", "cf-unfixed.zone.test");
        var provider = Path.Combine(repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider) + $"cloudflare: {{ enable: true, zoneId: {zoneId} }}\n");
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);

        var run = await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint,
            "--cloudflare", "--cf-token", "wrong-secret-token-value", "--cf-api", cloudflare.BaseAddress.ToString());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("401", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-token-value", run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Equal("missing", Vhost("cf-unfixed.zone.test")["dnsGate"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task DnsGate_WithoutPlan_SaysToRunPlan()
    {
        var result = await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("run `hostenv-provider plan` first", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => repo.Dispose();
}
