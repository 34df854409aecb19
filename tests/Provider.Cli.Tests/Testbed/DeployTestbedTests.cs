using System.Diagnostics;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Testbed;

/// <summary>deploy's system stage on the testbed's real nodes, with the testbed's DNS and pebble.</summary>
[Collection(nameof(TestbedCollection))]
public sealed class DeployTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    private readonly TempDir repo = TempDir.CopyOf(testbed.ProviderRepo);
    private readonly List<string> dnsFiles = [];

    /// <summary>
    /// Nodes outlive tests, and a UID reserved by one test's repo may already belong to an account made by
    /// another (deploy refuses that, by design). Each repo starts above its own high-water mark.
    /// </summary>
    private void OwnUidRange()
    {
        var start = TestbedUids.Block(testbed);
        Directory.CreateDirectory(Path.Combine(repo.Path, "generated"));
        File.WriteAllText(Path.Combine(repo.Path, "generated", "state.json"), $"{{\"_uidHighWaterMark\": {start}}}\n");
    }

    private string project = "deploytest";

    /// <summary>Replaces text in the test's manifest (written by <see cref="Manifest"/>).</summary>
    private void EditManifest(string from, string to)
    {
        var manifest = Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml");
        var text = File.ReadAllText(manifest);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(manifest, text.Replace(from, to, StringComparison.Ordinal));
    }

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

        // dnsmasq re-reads hosts.d by itself (inotify): wait, bounded, until it answers with the new address.
        var server = testbed.Values["HOSTENV_TESTBED_DNS"].Split(':');
        for (var i = 0; i < 100 && !Dig(server[0], server[1], name).Contains(address, StringComparison.Ordinal); i++)
        {
            Thread.Sleep(50);
        }
    }

    private static string Dig(string server, string port, string name)
    {
        using var p = Process.Start(new ProcessStartInfo("dig", ["+short", "+time=1", "+tries=1", "-p", port, "@" + server, name, "A"]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    private Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(["--dir", repo.Path, "--identity", testbed.SshKey, .. args]);

    private async Task PlanAndGate()
    {
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        var gate = await Cli("dns-gate", "--nameserver", testbed.Values["HOSTENV_TESTBED_DNS"]);
        Assert.True(gate.ExitCode == 0, gate.Stderr);
    }

    private string NodeCurrent(string node) => Ssh(node, "readlink /var/lib/hostenv/current || true").Trim();

    private string Ssh(string node, string command) => testbed.Ssh(node, command);

    private static string Curl(params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo("curl", ["-s", "-o", "/dev/null", "--max-time", "5", .. args]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    internal static string Issuer(string address, string serverName)
    {
        using var s = Process.Start(new ProcessStartInfo("sh", ["-c", $"echo | openssl s_client -connect {address}:443 -servername {serverName} 2>/dev/null | openssl x509 -noout -issuer"]) { RedirectStandardOutput = true })!;
        var issuer = s.StandardOutput.ReadToEnd();
        s.WaitForExit();
        return issuer;
    }

    /// <summary>Polls up to 5 s for a condition that a graceful nginx reload makes true a moment later.</summary>
    internal static string Eventually(Func<string> probe, Func<string, bool> done)
    {
        var value = probe();
        for (var i = 0; i < 25 && !done(value); i++)
        {
            Thread.Sleep(200);
            value = probe();
        }

        return value;
    }

    [Fact]
    public async Task Deploy_ServesEveryKindOfVhost_AndASecondDeployDoesNothing()
    {
        Manifest();
        var a = testbed.Address("node-a");
        Dns("tls.deploy.hosting.test", a);
        Dns("gated.deploy.hosting.test", "203.0.113.77");
        await PlanAndGate();

        var first = await Cli("deploy", "--yes", "--node", "node-a");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.Contains("confirmed over a fresh connection", first.Stderr, StringComparison.Ordinal);

        // ACME vhost: HTTP redirects to HTTPS, HTTPS serves a certificate pebble issued.
        Assert.Equal("301", Curl("-w", "%{http_code}", "-H", "Host: tls.deploy.hosting.test", $"http://{a}/"));
        // nginx reloads gracefully: the old workers may answer the first connections after a reload, so poll (bounded).
        Assert.Contains("Pebble", Eventually(() => Issuer(a, "tls.deploy.hosting.test"), i => i.Contains("Pebble", StringComparison.Ordinal)), StringComparison.Ordinal);

        // Gated vhost: HTTP only, no redirect (no app yet behind it, so the proxy answers 502).
        Assert.Equal("502", Eventually(() => Curl("-w", "%{http_code}", "-H", "Host: gated.deploy.hosting.test", $"http://{a}/"), c => c == "502"));
        // Catch-all: a name this node does not serve gets no answer at all (444).
        Assert.Equal("000", Curl("-w", "%{http_code}", "-H", "Host: not-served.example", $"http://{a}/"));

        var again = await Cli("deploy", "--yes", "--node", "node-a");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing to do", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_FleetWithAnEmptyNode_PlanGateDeployNeedNoFlag_NodeListShowsBoth()
    {
        Manifest(); // one environment, on node-a; node-b hosts nothing
        Dns("tls.deploy.hosting.test", testbed.Address("node-a"));
        await PlanAndGate();

        var deploy = await Cli("deploy", "--yes", "--yes");

        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        var list = await Cli("node", "list", "--format", "json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        var nodes = System.Text.Json.Nodes.JsonNode.Parse(list.Stdout)!["nodes"]!.AsArray().ToDictionary(n => n!["name"]!.GetValue<string>(), n => n!);
        Assert.Equal(["node-a", "node-b"], nodes.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(nodes["node-a"]["environments"]!.AsArray(), e => e!.GetValue<string>().StartsWith(project + "-main-", StringComparison.Ordinal));
        Assert.Empty(nodes["node-b"]["environments"]!.AsArray());
        foreach (var node in new[] { "node-a", "node-b" })
        {
            Assert.True(nodes[node]["generation"]!["reachable"]!.GetValue<bool>());
            Assert.Equal(Path.GetFileName(NodeCurrent(node)), nodes[node]["generation"]!["id"]!.GetValue<string>());
            Assert.StartsWith("SHA256:", nodes[node]["hostKeyFingerprint"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Deploy_InvalidNginxDirective_SwitchesNothing()
    {
        Manifest();
        Dns("tls.deploy.hosting.test", testbed.Address("node-a"));
        await PlanAndGate();
        await DeployOk("node-a");
        var before = NodeCurrent("node-a");

        EditManifest("gated.deploy.hosting.test: {}", "gated.deploy.hosting.test: { extraConfig: \"bogus_directive on;\" }");
        await PlanAndGate();
        var result = await Cli("deploy", "--yes", "--node", "node-a");

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
            var result = await Cli("deploy", "--yes", "--node", "node-b", "--skip-gate");
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

    [Fact]
    public async Task Rollback_ReturnsToPreviousGeneration_ThenForwardByNumber()
    {
        Manifest();
        var a = testbed.Address("node-a");
        Dns("tls.deploy.hosting.test", a);
        await PlanAndGate();
        await DeployOk("node-a");
        var first = NodeCurrent("node-a");

        EditManifest("gated.deploy.hosting.test: {}", "gated.deploy.hosting.test: { extraConfig: \"add_header X-Generation two always;\" }");
        await PlanAndGate();
        await DeployOk("node-a");
        var second = NodeCurrent("node-a");
        Assert.NotEqual(first, second);
        Assert.Contains("two", Eventually(() => Header(a, "gated.deploy.hosting.test"), h => h.Contains("two", StringComparison.Ordinal)), StringComparison.Ordinal);

        var list = await Cli("rollback", "--node", "node-a", "--list", "--format", "json");
        Assert.Equal(0, list.ExitCode);
        var generations = System.Text.Json.Nodes.JsonNode.Parse(list.Stdout)!["generations"]!.AsArray();
        var secondNumber = generations.Single(g => second.EndsWith(g!["id"]!.GetValue<string>(), StringComparison.Ordinal))!["number"]!.GetValue<int>();
        Assert.True(generations.Single(g => g!["number"]!.GetValue<int>() == secondNumber)!["current"]!.GetValue<bool>());

        var back = await Cli("rollback", "--yes", "--node", "node-a");
        Assert.True(back.ExitCode == 0, back.Stdout + back.Stderr);
        Assert.Equal(first, NodeCurrent("node-a"));
        Assert.Contains("confirmed over a fresh connection", back.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("two", Eventually(() => Header(a, "gated.deploy.hosting.test"), h => !h.Contains("two", StringComparison.Ordinal)), StringComparison.Ordinal);

        var forward = await Cli("rollback", "--yes", "--node", "node-a", "--to", secondNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(forward.ExitCode == 0, forward.Stdout + forward.Stderr);
        Assert.Equal(second, NodeCurrent("node-a"));

        // A dry run lists what would change and touches nothing.
        EditManifest("two", "three");
        await PlanAndGate();
        var dry = await Cli("deploy", "--node", "node-a", "--dry-run");
        Assert.True(dry.ExitCode == 2, dry.Stdout + dry.Stderr);
        Assert.Matches(@"  ~ nginx/env-dt\d+-main-[0-9a-f]{7}\.conf", dry.Stderr);
        Assert.Equal(second, NodeCurrent("node-a"));

        // history shows the node's switches next to the environments' deploys.
        var history = await Cli("history", "--node", "node-a", "--format", "json");
        Assert.True(history.ExitCode == 0, history.Stderr);
        var system = System.Text.Json.Nodes.JsonNode.Parse(history.Stdout)!.AsArray().Where(e => e!["environment"]!.GetValue<string>() == "(system)").ToList();
        Assert.Contains(system, e => e!["outcome"]!.GetValue<string>() == "rollback+confirmed" && e["release"]!.GetValue<string>().EndsWith($"({first[(first.LastIndexOf('/') + 1)..][..12]})", StringComparison.Ordinal));
        Assert.Contains(system, e => e!["outcome"]!.GetValue<string>() == "deploy+confirmed");

        var unknown = await Cli("rollback", "--yes", "--node", "node-a", "--to", "99999");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no generation '99999' on this node; kept generations:", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(second, NodeCurrent("node-a"));
    }

    [Fact]
    public async Task Deploy_PebbleRefusesTheOrder_NginxKeepsThePlaceholder_AndTheReportSaysSo()
    {
        var refused = testbed.Values["HOSTENV_TESTBED_ACME_REFUSED"];
        Manifest();
        EditManifest("tls.deploy.hosting.test: {}", refused + ": {}");
        var a = testbed.Address("node-a");
        Dns(refused, a);
        await PlanAndGate();

        var result = await Cli("deploy", "--yes", "--node", "node-a");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("ACME did not complete; nginx keeps serving the placeholder certificate for:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"  {refused}: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("rejectedIdentifier", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("ACME incomplete", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("hostenv placeholder", Issuer(a, refused), StringComparison.Ordinal);
        Assert.Equal("301", Curl("-w", "%{http_code}", "-H", "Host: " + refused, $"http://{a}/"));
    }

    [Fact]
    public async Task Deploy_WhileAnotherRunHoldsTheNodeLock_NamesTheHolder_AndChangesNothing()
    {
        Manifest();
        Dns("tls.deploy.hosting.test", testbed.Address("node-a"));
        await PlanAndGate();
        var before = NodeCurrent("node-a");
        await using var session = await Connect("node-a");
        var held = await Provider.Nodes.Locking.NodeLock.AcquireAsync(session,
            Provider.Nodes.Locking.NodeLockOwner.ForThisProcess("another deploy", TimeProvider.System), Provider.Nodes.Locking.NodeLockOptions.Default, CancellationToken.None);
        try
        {
            var result = await Cli("deploy", "--yes", "--node", "node-a");
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("node 'node-a' is locked by", result.Stdout + result.Stderr, StringComparison.Ordinal);
            Assert.Contains("another deploy", result.Stdout + result.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, NodeCurrent("node-a"));
        }
        finally
        {
            await held.DisposeAsync();
        }

        await DeployOk("node-a");
    }

    [Theory]
    [InlineData("uploaded")]
    [InlineData("switched")]
    public async Task SshConnectionCut_LeavesOldOrNewGeneration_AndARerunCompletes(string cutAfter)
    {
        Manifest("", nameof(SshConnectionCut_LeavesOldOrNewGeneration_AndARerunCompletes) + cutAfter);
        Dns("tls.deploy.hosting.test", testbed.Address("node-a"));
        await PlanAndGate();
        await DeployOk("node-a");
        var before = NodeCurrent("node-a");
        EditManifest("gated.deploy.hosting.test: {}", "gated.deploy.hosting.test: { extraConfig: \"add_header X-Cut " + cutAfter + " always;\" }");
        await PlanAndGate();
        var plan = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!;
        var generation = Provider.Planning.Render.NodeRenderer.Render(plan, "node-a");

        await using var session = await Connect("node-a");
        var cut = false;
        var stage = new Provider.Nodes.Apply.SystemStage(ct => Connect("node-a"), TimeSpan.FromSeconds(30), magicRollback: true, _ => { })
        {
            Checkpoint = async (point, s, ct) =>
            {
                if (point != cutAfter)
                {
                    return;
                }

                // A real cut: kill the sshd process that serves this connection (every channel of it dies with it).
                try
                {
                    await s.RunAsync(Provider.Nodes.Ssh.RemoteCommand.Shell(
                        "p=$$; while [ \"$p\" -gt 1 ] && [ \"$(cat /proc/$p/comm)\" != sshd ]; do p=$(awk '{print $4}' /proc/$p/stat); done; kill -9 $p"),
                        TimeSpan.FromSeconds(10), ct);
                }
                catch (Provider.Nodes.Ssh.NodeConnectionException)
                {
                }

                // Proof that the connection is gone: the next command on it fails.
                try
                {
                    await s.RunAsync(Provider.Nodes.Ssh.RemoteCommand.Exec("true"), TimeSpan.FromSeconds(10), ct);
                }
                catch (Provider.Nodes.Ssh.NodeConnectionException)
                {
                    cut = true;
                }
            },
        };
        var result = await stage.ApplyAsync(session, generation, CancellationToken.None);
        Assert.True(cut);

        if (cutAfter == "uploaded")
        {
            // Before the switch: the node is untouched; a re-run finds the generation already uploaded and finishes.
            Assert.Equal(Provider.Nodes.Apply.SystemOutcome.Failed, result.Outcome);
            Assert.Equal(before, NodeCurrent("node-a"));
            var rerun = await Cli("deploy", "--yes", "--node", "node-a");
            Assert.True(rerun.ExitCode == 0, rerun.Stdout + rerun.Stderr);
            Assert.Contains("already on the node", rerun.Stderr, StringComparison.Ordinal);
        }
        else
        {
            // After the switch: the confirmation travels over a fresh connection, so the new generation stands.
            Assert.Equal(Provider.Nodes.Apply.SystemOutcome.Activated, result.Outcome);
            await DeployOk("node-a");
        }

        Assert.EndsWith(generation.Id, NodeCurrent("node-a"), StringComparison.Ordinal);
        Assert.Contains(cutAfter, Eventually(() => Header(testbed.Address("node-a"), "gated.deploy.hosting.test"), h => h.Contains(cutAfter, StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    private async Task DeployOk(string node)
    {
        var r = await Cli("deploy", "--yes", "--node", node);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
    }

    private Task<Provider.Nodes.Ssh.SshNodeSession> Connect(string node)
    {
        var config = File.ReadAllLines(Path.Combine(testbed.ProviderRepo, "nodes", node, "node.yaml"));
        var hostKey = config.Single(l => l.StartsWith("hostKey:", StringComparison.Ordinal))["hostKey:".Length..].Trim().Trim('"');
        return Provider.Nodes.Ssh.SshNodeSession.ConnectAsync(new Provider.Nodes.Ssh.SshTarget(node, testbed.Address(node), 22, "deploy", hostKey), testbed.SshKey, CancellationToken.None);
    }

    private static string Header(string address, string host)
    {
        using var p = Process.Start(new ProcessStartInfo("curl", ["-s", "-D", "-", "-o", "/dev/null", "--max-time", "5", "-H", "Host: " + host, $"http://{address}/"]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
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
