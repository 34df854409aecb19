using System.Diagnostics;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Nodes.Apply;
using Provider.Nodes.Locking;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// The fault matrix on the testbed (README "Fault matrix"): each point deploys v1, injects one fault into a v2 deploy,
/// asserts the node serves v1 or v2 and never a mix with nothing the tool promised lost, then that a re-run or
/// `deploy --resume` converges on v2. Points at journal steps come from the product's own step list.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class FaultMatrixTestbedTests(TestbedEnvironment testbed)
{
    /// <summary>Every journal step a deploy that changes both layers passes: the system stage's activation, then the environment's.</summary>
    public static TheoryData<string> DeploySteps => new(["activated", .. FaultInjection.EnvironmentSteps]);

    [Theory]
    [MemberData(nameof(DeploySteps))]
    public async Task Kill9AtJournalStep_NodeServesOldOrNew_ResumeConverges(string step)
    {
        using var s = new FaultScenario(testbed, nameof(Kill9AtJournalStep_NodeServesOldOrNew_ResumeConverges) + step);
        await s.DeployV1();
        await s.PrepareV2();

        var killed = s.DeployProcess(new Dictionary<string, string> { [FaultInjection.FaultVariable] = "kill@" + step });

        Assert.True(killed.ExitCode == 137, $"exit {killed.ExitCode}, expected SIGKILL (137):\n{killed.Stderr}");
        var journal = DeployJournal.Load(s.Repo)!;
        Assert.Equal(step, step == "activated" ? journal.LastStep(FaultScenario.Node, "system") : journal.LastStep(FaultScenario.Node, s.User));
        Assert.False(journal.Complete);
        s.AssertOldOrNew();
        await s.AssertConverges(resume: true);
    }

    [Theory]
    [MemberData(nameof(DeploySteps))]
    public async Task SshCutAtJournalStep_NodeServesOldOrNew_RerunConverges(string step)
    {
        using var s = new FaultScenario(testbed, nameof(SshCutAtJournalStep_NodeServesOldOrNew_RerunConverges) + step);
        await s.DeployV1();
        await s.PrepareV2();

        var cut = s.DeployProcess(new Dictionary<string, string> { [FaultInjection.FaultVariable] = "cut-ssh@" + step });

        // Every step has SSH work after it (at least the node's own journal line): the run meets the dead connection and fails.
        Assert.True(cut.ExitCode is 1 or 3, $"exit {cut.ExitCode}:\n{cut.Stdout}{cut.Stderr}");
        Assert.DoesNotContain("Unhandled exception", cut.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cut.Stderr, StringComparison.Ordinal); // no stack trace
        Assert.False(DeployJournal.Load(s.Repo)!.Complete);

        s.AssertOldOrNew();
        await s.AssertConverges(resume: false);
    }

    [Fact]
    public async Task NodePoweredOffDuringActivation_BootsOnOldOrNew_RerunConverges()
    {
        using var s = new FaultScenario(testbed, nameof(NodePoweredOffDuringActivation_BootsOnOldOrNew_RerunConverges));
        await s.DeployV1();
        await s.PrepareV2();

        var run = await s.DeployAndActWhen(l => l.Contains("switched current to", StringComparison.Ordinal), () =>
        {
            s.Testbed("kill", FaultScenario.Node); // SIGKILL of the node's init and nspawn: every process of the node at once
            return Task.CompletedTask;
        });
        try
        {
            Assert.True(run.Fired, "the deploy never switched: " + run.Stderr);
            Assert.NotEqual(0, run.ExitCode);
            Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            s.Testbed("boot", FaultScenario.Node);
        }

        s.AssertOldOrNew();
        await s.AssertConverges(resume: false);
    }

    [Theory]
    [InlineData("upload")]
    [InlineData("assembly")]
    [InlineData("build")]
    public async Task DiskFullOnTheNode_FailsClearly_OldReleaseServes_RerunAfterSpaceConverges(string phase)
    {
        using var s = new FaultScenario(testbed, nameof(DiskFullOnTheNode_FailsClearly_OldReleaseServes_RerunAfterSpaceConverges) + phase);
        await s.DeployV1();
        // A small filesystem where the phase writes: the blob store (upload) or the environment's releases (assembly, build).
        var dir = phase == "upload" ? EnvironmentStage.BlobsRoot : $"/home/{s.User}/releases";
        var save = $"/var/tmp/hp-fault-{Guid.NewGuid():N}";
        // The releases keep v1 (small) in it; the blob store starts empty (the deploy sends what the node lacks).
        var keep = phase == "upload" ? "true" : $"sudo -n cp -a {dir}/. {save}/";
        s.Ssh($"sudo -n mkdir -p {dir} {save} && {keep} && m=$(sudo -n stat -c %a {dir}) && u=$(sudo -n stat -c %u {dir}) && g=$(sudo -n stat -c %g {dir}) "
            + $"&& sudo -n mount -t tmpfs -o size=1m,mode=$m,uid=$u,gid=$g tmpfs {dir} && sudo -n cp -a {save}/. {dir}/ && sudo -n rm -rf {save}");
        try
        {
            Assert.Contains("tmpfs", s.Ssh($"findmnt -n -o FSTYPE {dir}"), StringComparison.Ordinal);
            await s.PrepareV2(() =>
            {
                if (phase == "build")
                {
                    File.WriteAllText(s.Manifest, File.ReadAllText(s.Manifest).Replace("app: { run: \"./server\",",
                        "app: { run: \"./server\", build: [\"head -c 3000000 /dev/zero > $HOSTENV_RELEASE_DIR/filler\"],", StringComparison.Ordinal));
                }
                else
                {
                    File.WriteAllBytes(Path.Combine(s.Project.App, "payload.bin"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(3_000_000));
                }
            });

            var full = await s.Cli("deploy", "--yes", "--node", FaultScenario.Node, "--skip-gate");

            Assert.True(full.ExitCode == 1, full.Stdout + full.Stderr);
            Assert.Contains("No space left on device", full.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", full.Stderr, StringComparison.Ordinal);
            Assert.StartsWith("v1 from ", s.Project.Get(FaultScenario.Node), StringComparison.Ordinal);
            s.AssertOldOrNew();

            // The operator frees space; the next deploy finishes.
            s.Ssh($"sudo -n mount -o remount,size=64m {dir}");
            await s.AssertConverges(resume: false);
        }
        finally
        {
            // Keep what the small filesystem holds (it now backs the live release) on the node's disk.
            s.Ssh($"sudo -n mkdir -p {save} && sudo -n cp -a {dir}/. {save}/ && sudo -n umount -l {dir} && sudo -n cp -a {save}/. {dir}/ && sudo -n rm -rf {save}");
        }
    }

    [Fact]
    public async Task NetworkPartitionDuringHealthCheck_NodeServesOldOrNew_RerunConverges()
    {
        using var s = new FaultScenario(testbed, nameof(NetworkPartitionDuringHealthCheck_NodeServesOldOrNew_RerunConverges));
        await s.DeployV1();
        await s.PrepareV2();

        var run = await s.DeployAndActWhen(l => l.Contains("beside the live one", StringComparison.Ordinal), async () =>
        {
            s.Host("ip", "link", "set", s.Veth, "down"); // the node is cut off from the host (and the tool) for 12 s
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(12));
            }
            finally
            {
                s.Host("ip", "link", "set", s.Veth, "up");
            }
        });

        Assert.True(run.Fired, "the deploy never started the new release: " + run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        s.AssertOldOrNew();
        if (run.ExitCode == 0)
        {
            s.AssertOnV2(); // the connection survived the partition (TCP retransmits): the run finished
        }

        await s.AssertConverges(resume: false);
    }

    [Theory]
    [InlineData(3600)]
    [InlineData(-3600)]
    public async Task ClockSkewOfAnHour_LocksHold_ReleaseNamesStayOrdered_DeployConverges(int skewSeconds)
    {
        using var s = new FaultScenario(testbed, nameof(ClockSkewOfAnHour_LocksHold_ReleaseNamesStayOrdered_DeployConverges) + skewSeconds);
        await s.DeployV1();
        await s.PrepareV2();
        var skewed = new Dictionary<string, string> { [FaultInjection.ClockSkewVariable] = skewSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };

        // Locks: a live holder stays live for a client whose clock is an hour off (staleness is the node's heartbeat age).
        var config = File.ReadAllLines(Path.Combine(s.Repo, "nodes", FaultScenario.Node, "node.yaml"));
        var hostKey = config.Single(l => l.StartsWith("hostKey:", StringComparison.Ordinal))["hostKey:".Length..].Trim().Trim('"');
        var target = new Provider.Nodes.Ssh.SshTarget(FaultScenario.Node, testbed.Address(FaultScenario.Node), 22, "deploy", hostKey);
        await using (var session = await Provider.Nodes.Ssh.SshNodeSession.ConnectAsync(target, testbed.SshKey, CancellationToken.None))
        {
            var held = await NodeLock.AcquireAsync(session, NodeLockOwner.ForThisProcess("fault-matrix holder", TimeProvider.System), NodeLockOptions.Default, CancellationToken.None);
            try
            {
                var refused = s.DeployProcess(skewed);
                Assert.True(refused.ExitCode == 1, refused.Stdout + refused.Stderr);
                Assert.Contains("fault-matrix holder", refused.Stdout + refused.Stderr, StringComparison.Ordinal);
                s.AssertOldOrNew();
            }
            finally
            {
                await held.DisposeAsync();
            }
        }

        // Release names: v2 under the skewed clock, v3 under the true one; the live release is always the newest name.
        var v2 = s.DeployProcess(skewed);
        Assert.True(v2.ExitCode == 0, v2.Stdout + v2.Stderr);
        s.AssertOnV2();
        Assert.Equal(NewestRelease(s), Live(s));
        File.WriteAllText(Path.Combine(s.Project.App, "greeting.txt"), "v3\n");
        var v3 = await s.Cli("deploy", "--yes", "--node", FaultScenario.Node, "--skip-gate");
        Assert.True(v3.ExitCode == 0, v3.Stdout + v3.Stderr);
        Assert.StartsWith("v3 from ", FaultScenario.Eventually(() => s.Project.Get(FaultScenario.Node), b => b.StartsWith("v3", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal(NewestRelease(s), Live(s));

        static string Live(FaultScenario s) => Path.GetFileName(s.Ssh($"sudo -n readlink /home/{s.User}/current").Trim());
        static string NewestRelease(FaultScenario s) => s.Ssh($"sudo -n ls /home/{s.User}/releases").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(r => !r.EndsWith(".partial", StringComparison.Ordinal)).Max(StringComparer.Ordinal)!;
    }

    [Fact]
    public async Task NginxFailsToReload_NodeServesOldOrNew_RerunConverges()
    {
        using var s = new FaultScenario(testbed, nameof(NginxFailsToReload_NodeServesOldOrNew_RerunConverges));
        await s.DeployV1();
        await s.PrepareV2();
        const string dropIn = "/etc/systemd/system/nginx.service.d/hp-fault-matrix.conf";
        s.Ssh($"sudo -n mkdir -p /etc/systemd/system/nginx.service.d && printf '[Service]\\nExecReload=\\nExecReload=/bin/false\\n' | sudo -n tee {dropIn} >/dev/null && sudo -n systemctl daemon-reload");
        try
        {
            Assert.NotEqual("0", s.Ssh("sudo -n systemctl reload nginx; echo $?").Trim());
            var run = await s.Cli("deploy", "--yes", "--node", FaultScenario.Node, "--skip-gate");
            Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
            s.AssertOldOrNew();
        }
        finally
        {
            s.Ssh($"sudo -n rm -f {dropIn} && sudo -n systemctl daemon-reload");
        }

        await s.AssertConverges(resume: false);
    }

    [Fact]
    public async Task PebbleDownDuringAcme_PlaceholderCertificateServes_RenewalConverges()
    {
        using var s = new FaultScenario(testbed, nameof(PebbleDownDuringAcme_PlaceholderCertificateServes_RenewalConverges),
            TestbedProject.AppOnNodeA.Replace("VHOST: { enableLetsEncrypt: false }", "VHOST: {}", StringComparison.Ordinal));
        s.Dns(s.Vhost, s.Address);
        // pebble is unreachable from node-a: a policy rule in its namespace refuses TCP to the ACME port (pebble itself keeps
        // running: a restarted pebble forgets every ACME account, which would break every later ACME test of the suite).
        string[] rule = ["-n", s.Netns, "rule", "add", "ipproto", "tcp", "dport", "14000", "prohibit"];
        s.Host("ip", rule);
        try
        {
            var run = await s.Cli("plan");
            Assert.Equal(0, run.ExitCode);
            var deploy = await s.Cli("deploy", "--yes", "--node", FaultScenario.Node, "--skip-gate");
            Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
            Assert.Contains("ACME did not complete; nginx keeps serving the placeholder certificate for:", deploy.Stderr, StringComparison.Ordinal);
            Assert.Contains($"  {s.Vhost}: ", deploy.Stderr, StringComparison.Ordinal);
            Assert.Contains("hostenv placeholder", DeployTestbedTests.Issuer(s.Address, s.Vhost), StringComparison.Ordinal);
            Assert.Contains("301", s.Header().Split('\n')[0], StringComparison.Ordinal);
        }
        finally
        {
            rule[3] = "del";
            s.Host("ip", rule);
        }

        // What the renewal timer runs retries (the unit also tries other tests' names without DNS, so its exit status says
        // nothing about this vhost); then the vhost has pebble's certificate, and a re-run has nothing to do.
        s.Ssh("sudo -n systemctl start hostenv-acme-renew.service");
        Assert.Contains("Pebble", DeployTestbedTests.Eventually(() => DeployTestbedTests.Issuer(s.Address, s.Vhost), i => i.Contains("Pebble", StringComparison.Ordinal)), StringComparison.Ordinal);
        var again = await s.Cli("deploy", "--yes", "--node", FaultScenario.Node, "--skip-gate");
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Contains("is already current: nothing to do", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsServerDownDuringDnsGate_NothingIsUngated_GateAfterwardsConverges()
    {
        using var s = new FaultScenario(testbed, nameof(DnsServerDownDuringDnsGate_NothingIsUngated_GateAfterwardsConverges),
            TestbedProject.AppOnNodeA.Replace("VHOST: { enableLetsEncrypt: false }", "VHOST: {}", StringComparison.Ordinal));
        s.Dns(s.Vhost, s.Address);
        Assert.Equal(0, (await s.Cli("plan")).ExitCode);
        var nameserver = testbed.Values["HOSTENV_TESTBED_DNS"];

        CliResult gate;
        s.Testbed("stop", "dns");
        try
        {
            gate = await s.Cli("dns-gate", "--nameserver", nameserver);
        }
        finally
        {
            s.Testbed("start", "dns");
        }

        // Nothing unverified is let through: either the gate wrote nothing (and deploy refuses without a gate), or it
        // gated the vhost (HTTP only, no certificate asked for a name nobody could check).
        Assert.DoesNotContain("   at ", gate.Stderr, StringComparison.Ordinal);
        var gated = Vhost(s)["dnsGate"] is not null;
        Assert.True(gate.ExitCode != 0 || gated, $"dns-gate with its DNS server down passed the vhost (exit {gate.ExitCode}):\n{gate.Stderr}");
        var deploy = await s.Cli("deploy", "--yes", "--node", FaultScenario.Node);
        if (gated || gate.ExitCode == 0)
        {
            Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
            Assert.DoesNotContain("301", s.Header().Split('\n')[0], StringComparison.Ordinal); // gated: served over HTTP, no redirect
        }
        else
        {
            Assert.Equal(1, deploy.ExitCode);
            Assert.Contains("DNS was not checked", deploy.Stderr, StringComparison.Ordinal);
        }

        s.AssertRepoIntact();
        var regate = await s.Cli("dns-gate", "--nameserver", nameserver);
        Assert.True(regate.ExitCode == 0, regate.Stderr);
        Assert.Null(Vhost(s)["dnsGate"]);
        var converged = await s.Cli("deploy", "--yes", "--node", FaultScenario.Node);
        Assert.True(converged.ExitCode == 0, converged.Stdout + converged.Stderr);
        Assert.Contains("Pebble", DeployTestbedTests.Eventually(() => DeployTestbedTests.Issuer(s.Address, s.Vhost), i => i.Contains("Pebble", StringComparison.Ordinal)), StringComparison.Ordinal);

        static JsonNode Vhost(FaultScenario s) => JsonNode.Parse(File.ReadAllText(Path.Combine(s.Repo, "generated", "plan.json")))!["nodes"]![FaultScenario.Node]!["services"]!["nginx"]!["virtualHosts"]![s.Vhost]!;
    }
}
