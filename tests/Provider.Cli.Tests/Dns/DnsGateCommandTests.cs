using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Dns;

/// <summary>dns-gate end to end against a zone of its own on a real dnsmasq.</summary>
public sealed class DnsGateCommandTests(DnsmasqFixture dns) : IClassFixture<DnsmasqFixture>, IDisposable
{
    private readonly TempDir repo = new();

    private async Task<TempDir> PlannedRepo()
    {
        Directory.CreateDirectory(Path.Combine(repo.Path, "nodes", "node-a"));
        File.WriteAllText(Path.Combine(repo.Path, "nodes", "node-a", "node.yaml"), "address: 10.77.0.11\naddresses: [10.77.0.11]\n");
        File.WriteAllText(Path.Combine(repo.Path, "provider.yaml"), "hostenvHostname: hosting.test\nnodeFor: { default: node-a }\nprojects:\n  acme__demo: { path: demo }\n");
        Directory.CreateDirectory(Path.Combine(repo.Path, "demo", ".hostenv"));
        File.WriteAllText(Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml"), """
            organisation: acme
            project: demo
            environments:
              main:
                type: production
                virtualHosts:
                  a-match.zone.test: {}
                  cname-node.zone.test: {}
                  elsewhere.zone.test: {}
                  later.zone.test: {}
            """);
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
    public async Task DnsGate_WithoutPlan_SaysToRunPlan()
    {
        var result = await CliRunner.RunAsync("--dir", repo.Path, "dns-gate", "--nameserver", dns.Endpoint);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("run `hostenv-provider plan` first", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => repo.Dispose();
}
