using System.Diagnostics;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Testbed;

/// <summary>deploy's system stage on the testbed's real nodes, with the testbed's DNS and pebble.</summary>
[Collection(nameof(TestbedCollection))]
public sealed class DeployTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    private static int nextUidBlock = 20_000 + (Environment.ProcessId % 100 * 300);
    private readonly TempDir repo = TempDir.CopyOf(testbed.ProviderRepo);
    private readonly List<string> dnsFiles = [];

    /// <summary>
    /// Nodes outlive tests, and a UID reserved by one test's repo may already belong to an account made by
    /// another (deploy refuses that, by design). Each repo starts above its own high-water mark.
    /// </summary>
    private void OwnUidRange()
    {
        var start = Interlocked.Add(ref nextUidBlock, 10);
        Directory.CreateDirectory(Path.Combine(repo.Path, "generated"));
        File.WriteAllText(Path.Combine(repo.Path, "generated", "state.json"), $"{{\"_uidHighWaterMark\": {start}}}\n");
    }

    private string project = "deploytest";

    private void Manifest(string extra = "", [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        // One identity per test: the same environment name planned by two repos would get two UIDs.
        project = "dt" + (uint)test.GetHashCode(StringComparison.Ordinal) % 100000;
        OwnUidRange();
        Directory.CreateDirectory(Path.Combine(repo.Path, "demo", ".hostenv"));
        File.WriteAllText(Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml"), $$"""
            organisation: acme
            project: {{project}}
            environments:
              main:
                type: production
                node: node-a
                virtualHosts:
                  tls.deploy.hosting.test: {}
                  gated.deploy.hosting.test: {}
            {{extra}}
            """);
        var provider = Path.Combine(repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider).Replace("projects: {}", $"projects:\n  acme__{project}: {{ path: demo }}", StringComparison.Ordinal));
    }

    private void Dns(string name, string address)
    {
        var file = Path.Combine(testbed.Values["HOSTENV_TESTBED_DNS_HOSTSDIR"], name);
        File.WriteAllText(file, $"{address} {name}\n");
        dnsFiles.Add(file);
    }

    private Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(["--dir", repo.Path, "--identity", testbed.SshKey, .. args]);

    private async Task PlanAndGate()
    {
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        Thread.Sleep(300); // dnsmasq re-reads hosts.d by itself
        var gate = await Cli("dns-gate", "--nameserver", testbed.Values["HOSTENV_TESTBED_DNS"]);
        Assert.True(gate.ExitCode == 0, gate.Stderr);
    }

    private string NodeCurrent(string node) => Ssh(node, "readlink /var/lib/hostenv/current || true").Trim();

    private string Ssh(string node, string command)
    {
        using var p = Process.Start(new ProcessStartInfo("ssh", ["-i", testbed.SshKey, "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={testbed.Values["HOSTENV_TESTBED_DIR"]}/client/known_hosts",
            $"deploy@{testbed.Address(node)}", command]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    private static string Curl(params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo("curl", ["-s", "-o", "/dev/null", "--max-time", "5", .. args]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    [Fact]
    public async Task Deploy_ServesEveryKindOfVhost_AndASecondDeployDoesNothing()
    {
        Manifest();
        var a = testbed.Address("node-a");
        Dns("tls.deploy.hosting.test", a);
        Dns("gated.deploy.hosting.test", "203.0.113.77");
        await PlanAndGate();

        var first = await Cli("deploy", "--node", "node-a");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.Contains("confirmed over a fresh connection", first.Stderr, StringComparison.Ordinal);

        // ACME vhost: HTTP redirects to HTTPS, HTTPS serves a certificate pebble issued.
        Assert.Equal("301", Curl("-w", "%{http_code}", "-H", "Host: tls.deploy.hosting.test", $"http://{a}/"));
        using (var s = Process.Start(new ProcessStartInfo("sh", ["-c", $"echo | openssl s_client -connect {a}:443 -servername tls.deploy.hosting.test 2>/dev/null | openssl x509 -noout -issuer"]) { RedirectStandardOutput = true })!)
        {
            var issuer = s.StandardOutput.ReadToEnd();
            s.WaitForExit();
            Assert.Contains("Pebble", issuer, StringComparison.Ordinal);
        }

        // Gated vhost: HTTP only, no redirect (no app yet behind it, so the proxy answers 502).
        Assert.Equal("502", Curl("-w", "%{http_code}", "-H", "Host: gated.deploy.hosting.test", $"http://{a}/"));
        // Catch-all: a name this node does not serve gets no answer at all (444).
        Assert.Equal("000", Curl("-w", "%{http_code}", "-H", "Host: not-served.example", $"http://{a}/"));

        var again = await Cli("deploy", "--node", "node-a");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing to do", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_InvalidNginxDirective_SwitchesNothing()
    {
        Manifest();
        Dns("tls.deploy.hosting.test", testbed.Address("node-a"));
        await PlanAndGate();
        Assert.Equal(0, (await Cli("deploy", "--node", "node-a")).ExitCode);
        var before = NodeCurrent("node-a");

        var manifest = Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("gated.deploy.hosting.test: {}", "gated.deploy.hosting.test: { extraConfig: \"bogus_directive on;\" }", StringComparison.Ordinal));
        await PlanAndGate();
        var result = await Cli("deploy", "--node", "node-a");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nginx rejected the new configuration", result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.Contains("bogus_directive", result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, NodeCurrent("node-a"));
    }

    [Fact]
    public async Task Deploy_ReservedUidTakenByAnotherAccount_StopsTheNode()
    {
        Manifest("  squatter:\n    type: development\n    node: node-b\n");
        await PlanAndGate();
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "state.json")))!;
        var uid = state.AsObject().Where(p => p.Key.Contains("-squatter-", StringComparison.Ordinal)).Select(p => p.Value!["uid"]!.GetValue<int>()).Single();
        var before = NodeCurrent("node-b");
        Ssh("node-b", $"sudo -n useradd -u {uid} intruder{uid} || true");
        try
        {
            var result = await Cli("deploy", "--node", "node-b", "--skip-gate");
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"uid {uid} is reserved for ", result.Stdout + result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"belongs to intruder{uid}", result.Stdout + result.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, NodeCurrent("node-b"));
        }
        finally
        {
            Ssh("node-b", $"sudo -n userdel intruder{uid} || true");
        }
    }

    public void Dispose()
    {
        foreach (var f in dnsFiles)
        {
            File.Delete(f);
        }

        repo.Dispose();
    }
}
