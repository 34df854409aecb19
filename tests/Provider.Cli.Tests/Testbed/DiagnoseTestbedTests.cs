using System.Diagnostics;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Nodes.Fleet;
using Provider.Planning.Plan;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// `diagnose` and `pull` on the testbed: each condition is made for real on node-a (or node-b) and found, with what was
/// seen and the command to run. Every test has its own project (own UIDs, vhost, user) and undoes what it did to the node.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class DiagnoseTestbedTests(TestbedEnvironment testbed)
{
    // Two UIDs a project, 12 projects a process: 63_000..65_400, below 65534 (nobody) and clear of IsolationTestbedTests' blocks.

    private const string WithSecret = """
          main:
            type: production
            node: node-a
            secrets: [API_KEY]
            virtualHosts:
              VHOST: { enableLetsEncrypt: false }
            app: { run: "./server", healthCheck: { path: /health, deadlineSeconds: 8 } }
        """;

    private string Dns => testbed.Values["HOSTENV_TESTBED_DNS"];

    [Fact]
    public async Task Diagnose_StoppedAppAndNearlyFullDisk_NamesBothWithRecommendationsAndExits1()
    {
        using var project = await DeployedAsync("a");
        var env = Env(project);
        var unit = $"hostenv-{env.UserName}-app@{Slot(env.UserName)}.service";
        Root("node-a", $"systemctl stop {unit}");
        // A small filesystem over the app's data directory, filled to 99 %: a nearly full disk without filling the host's.
        Root("node-a", $"sh -c 'mount -t tmpfs -o size=1m hostenv-diagnose-test {env.Paths.DataDir} && dd if=/dev/zero of={env.Paths.DataDir}/fill bs=1k count=1010 2>/dev/null; true'");
        try
        {
            var json = await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json");
            Assert.True(json.ExitCode == 1, json.Stdout + json.Stderr);
            var findings = Findings(json.Stdout);

            var stopped = Assert.Single(findings, f => f.Check == "app-stopped");
            Assert.Equal("error", stopped.Severity);
            Assert.Equal(env.UserName, stopped.Environment);
            Assert.Contains(unit, stopped.Seen, StringComparison.Ordinal);
            Assert.Contains("inactive", stopped.Seen, StringComparison.Ordinal);
            Assert.Contains($"hostenv-provider deploy --env {env.UserName}", stopped.Recommendation, StringComparison.Ordinal);
            Assert.Contains(stopped.Lines, l => l.Contains("Stopped", StringComparison.Ordinal));

            var disk = Assert.Single(findings, f => f.Check == "disk" && f.Seen.StartsWith(env.Paths.DataDir + ":", StringComparison.Ordinal));
            Assert.Equal("error", disk.Severity);
            Assert.Matches(@": 9\d(\.\d)? % used \(.* free of 1 MiB\)", disk.Seen);
            Assert.Contains($"sudo du -xh --max-depth=2 {env.Paths.DataDir}", disk.Recommendation, StringComparison.Ordinal);

            // The text form says the same for a person, one "fix:" per finding.
            var text = await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns);
            Assert.Equal(1, text.ExitCode);
            Assert.Contains($"ERROR   node-a {env.UserName} [app-stopped] {unit}", text.Stdout, StringComparison.Ordinal);
            Assert.Contains($"ERROR   node-a [disk] {env.Paths.DataDir}:", text.Stdout, StringComparison.Ordinal);
            Assert.Contains($"        fix: start it again: `hostenv-provider deploy --env {env.UserName}`", text.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Root("node-a", $"umount {env.Paths.DataDir}");
        }

        // And the recommended command does what it says.
        Assert.Equal(0, (await project.Cli("deploy", "--yes", "--env", env.UserName, "--skip-gate")).ExitCode);
        var after = Findings((await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json")).Stdout);
        Assert.DoesNotContain(after, f => f.Check == "app-stopped" || f.Check == "disk" && f.Seen.StartsWith(env.Paths.DataDir + ":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DriftAndPull_FileEditedOnNode_ShowsAsDriftAndPullCommitTurnsItIntoACommit()
    {
        using var project = await DeployedAsync("b", git: true);
        var env = Env(project);
        Assert.Contains("DRIFT", (await project.Cli("status", "--node", "node-a")).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, StatusDrift(await project.Cli("status", "--node", "node-a", "--format", "json"), env.UserName));

        // Someone edits the live release in place, adds a file and removes one.
        var current = $"/home/{env.UserName}/current";
        Root("node-a", $"sh -c 'echo edited-on-the-node > {current}/greeting.txt; echo added > {current}/notes.txt; rm {current}/extra.txt'");
        Assert.Equal(3, StatusDrift(await project.Cli("status", "--node", "node-a", "--format", "json"), env.UserName));
        var drift = Assert.Single(Findings((await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json")).Stdout), f => f.Check == "drift");
        Assert.Equal("warning", drift.Severity);
        Assert.Equal(["+ notes.txt", "- extra.txt", "~ greeting.txt"], drift.Lines.Order(StringComparer.Ordinal));
        Assert.Contains($"hostenv-provider pull {env.UserName} --commit", drift.Recommendation, StringComparison.Ordinal);

        // A working tree with uncommitted changes is refused, and nothing is written into it.
        File.WriteAllText(Path.Combine(project.App, "local.txt"), "mine\n");
        var refused = await project.Cli("pull", env.UserName, "--commit");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("has uncommitted changes", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("stash", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("v1\n", File.ReadAllText(Path.Combine(project.App, "greeting.txt")));
        File.Delete(Path.Combine(project.App, "local.txt"));

        var head = Git(project.Repo.Path, "rev-parse", "HEAD");
        var pull = await project.Cli("pull", env.UserName, "--commit", "-m", "Take the hotfix made on node-a");
        Assert.True(pull.ExitCode == 0, pull.Stderr);
        Assert.Contains("+edited-on-the-node", pull.Stdout, StringComparison.Ordinal);
        Assert.Contains("diff --git a/app/notes.txt b/app/notes.txt", pull.Stdout, StringComparison.Ordinal);
        Assert.Contains("deleted file mode", pull.Stdout, StringComparison.Ordinal);
        Assert.Equal("Take the hotfix made on node-a", Git(project.Repo.Path, "log", "-1", "--format=%s"));
        Assert.Equal(head, Git(project.Repo.Path, "rev-parse", "HEAD~1"));
        Assert.Equal(["app/extra.txt", "app/greeting.txt", "app/notes.txt"], Git(project.Repo.Path, "show", "--name-only", "--format=", "HEAD").Split('\n').Order(StringComparer.Ordinal));
        Assert.Equal("", Git(project.Repo.Path, "status", "--porcelain"));
        Assert.Equal("edited-on-the-node\n", File.ReadAllText(Path.Combine(project.App, "greeting.txt")));

        // After plan + deploy the environment is no longer drifted and its content is what the node had.
        var live = LiveTree(env.UserName);
        Assert.Contains("./notes.txt", live, StringComparison.Ordinal);
        Assert.Equal(0, (await project.Cli("plan")).ExitCode);
        Git(project.Repo.Path, "add", "-A");
        Git(project.Repo.Path, "commit", "-q", "--allow-empty", "-m", "plan");
        var deploy = await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
        Assert.Equal(0, StatusDrift(await project.Cli("status", "--node", "node-a", "--format", "json"), env.UserName));
        Assert.DoesNotContain(Findings((await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json")).Stdout), f => f.Check == "drift");
        Assert.Equal(live, LiveTree(env.UserName));
        Assert.StartsWith("edited-on-the-node from", project.Get("node-a"), StringComparison.Ordinal);
        var nothing = await project.Cli("pull", env.UserName);
        Assert.Equal(0, nothing.ExitCode);
        Assert.Contains("matches its manifest: nothing to pull", nothing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_GitSource_WritesAPatchThatAppliesToTheLockedCommit()
    {
        using var project = new TestbedProject(testbed, "dgm" + Environment.ProcessId % 10000, TestbedUids.Block(testbed)).Write(TestbedProject.AppOnNodeA);
        using var work = new GitRepo();
        foreach (var file in Directory.EnumerateFiles(project.App, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(work.Path, Path.GetRelativePath(project.App, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        work.Run("add", "-A");
        work.Run("commit", "--quiet", "-m", "project");
        var provider = Path.Combine(project.Repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider).Replace($"acme__{project.Project}: {{ path: app }}", $"acme__{project.Project}: {{ git: \"{work.Path}\", ref: main }}", StringComparison.Ordinal));
        Assert.Equal(0, (await project.Cli("lock", "update")).ExitCode);
        Assert.Equal(0, (await project.Cli("plan")).ExitCode);
        Assert.Equal(0, (await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate")).ExitCode);
        var env = Env(project);
        Root("node-a", $"sh -c 'echo patched-on-the-node > /home/{env.UserName}/current/greeting.txt'");

        var refused = await project.Cli("pull", env.UserName, "--commit");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("comes from a git source", refused.Stderr, StringComparison.Ordinal);

        var pull = await project.Cli("pull", env.UserName);
        Assert.True(pull.ExitCode == 0, pull.Stderr);
        var patch = Assert.Single(Directory.GetFiles(project.Repo.Path, $"pull-{env.UserName}-*.patch"));
        Assert.Contains($"wrote {patch}", pull.Stderr, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(patch), pull.Stdout);
        Assert.Contains("+patched-on-the-node", pull.Stdout, StringComparison.Ordinal);
        work.Run("apply", patch);
        Assert.Equal("patched-on-the-node\n", File.ReadAllText(Path.Combine(work.Path, "greeting.txt")));
    }

    [Fact]
    public async Task Pull_HostLocalOverride_IsNeverPulled()
    {
        using var project = await DeployedAsync("c", git: true);
        var env = Env(project);
        var overrides = $"/etc/hostenv/overrides/{env.UserName}";
        // The operator's override is copied into each release; an edit of that copy on the node stays the node's business.
        Root("node-a", $"sh -c 'mkdir -p {overrides} && echo node-only > {overrides}/local.conf'");
        try
        {
            Assert.Equal(0, (await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate")).ExitCode);
            Root("node-a", $"sh -c 'echo changed > /home/{env.UserName}/current/local.conf; echo hotfix > /home/{env.UserName}/current/greeting.txt'");
            var pull = await project.Cli("pull", env.UserName, "--commit");
            Assert.True(pull.ExitCode == 0, pull.Stderr);
            Assert.Contains("~ local.conf  left alone: a host-local override", pull.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(project.App, "local.conf")));
            Assert.Equal("hotfix\n", File.ReadAllText(Path.Combine(project.App, "greeting.txt")));
            Assert.Equal("app/greeting.txt", Git(project.Repo.Path, "show", "--name-only", "--format=", "HEAD"));
        }
        finally
        {
            Root("node-a", $"rm -rf {overrides}");
        }
    }

    [Fact]
    public async Task Diagnose_RestartLoop_ShowsTheLastLogLines()
    {
        using var project = await DeployedAsync("d");
        var env = Env(project);
        var unit = $"hostenv-{env.UserName}-app@{Slot(env.UserName)}.service";
        // The app dies three times; systemd restarts it each time (Restart=on-failure, RestartSec=1).
        for (var i = 0; i < 3; i++)
        {
            Root("node-a", $"systemctl kill -s KILL {unit}");
            await WaitAsync(() => Root("node-a", $"systemctl show -p NRestarts --value {unit}").Trim() == (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)
                && Root("node-a", $"systemctl is-active {unit}").Trim() == "active");
        }

        var result = await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json");
        Assert.Equal(1, result.ExitCode);
        var loop = Assert.Single(Findings(result.Stdout), f => f.Check == "restart-loop");
        Assert.Contains("restarted 3 time(s)", loop.Seen, StringComparison.Ordinal);
        Assert.InRange(loop.Lines.Length, 5, 20);
        Assert.Contains(loop.Lines, l => l.Contains("status=9/KILL", StringComparison.Ordinal));
        Assert.Contains($"hostenv-provider rollback --env {env.UserName}", loop.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_DeclaredSecretMissing_IsAnErrorNamingTheSecretsSetCommand()
    {
        using var project = await DeployedAsync("e", manifest: WithSecret);
        var env = Env(project);
        var result = await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json");
        Assert.Equal(1, result.ExitCode);
        var secrets = Assert.Single(Findings(result.Stdout), f => f.Check == "secrets");
        Assert.Equal("declared secret(s) not set on the node: API_KEY", secrets.Seen);
        Assert.Contains($"hostenv-provider secrets set {env.UserName} API_KEY", secrets.Recommendation, StringComparison.Ordinal);

        Assert.Equal(0, (await CliRunner.RunWithStdinAsync("value\n", ["--dir", project.Repo.Path, "--identity", testbed.SshKey, "secrets", "set", env.UserName, "API_KEY"])).ExitCode);
        Assert.DoesNotContain(Findings((await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json")).Stdout), f => f.Check == "secrets");
    }

    [Fact]
    public async Task Diagnose_FailedUnit_IsAnErrorWithTheJournalCommand()
    {
        using var project = await DeployedAsync("f");
        var unit = $"hostenv-diagnose-test-{Environment.ProcessId}.service";
        Root("node-a", $"systemd-run --quiet --unit={unit} false");
        await WaitAsync(() => Root("node-a", $"systemctl is-failed {unit}").Trim() == "failed");
        try
        {
            var result = await project.Cli("diagnose", "--node", "node-a", "--nameserver", Dns, "--format", "json");
            Assert.Equal(1, result.ExitCode);
            var failed = Assert.Single(Findings(result.Stdout), f => f.Check == "failed-unit" && f.Seen.Contains(unit, StringComparison.Ordinal));
            Assert.Equal("error", failed.Severity);
            Assert.Contains($"sudo journalctl -u {unit} -n 50", failed.Recommendation, StringComparison.Ordinal);
        }
        finally
        {
            Root("node-a", $"systemctl reset-failed {unit}");
        }
    }

    [Fact]
    public async Task Diagnose_NginxConfigBroken_ShowsNginxTOutput()
    {
        using var project = await DeployedAsync("g");
        var file = $"/etc/nginx/conf.d/zz-diagnose-test-{Environment.ProcessId}.conf";
        Root("node-a", $"sh -c 'echo \"this is not nginx;\" > {file}'");
        try
        {
            var result = await project.Cli("diagnose", "--node", "node-a", "--nameserver", Dns, "--format", "json");
            Assert.Equal(1, result.ExitCode);
            var nginx = Assert.Single(Findings(result.Stdout), f => f.Check == "nginx-config");
            Assert.Contains("`nginx -t` fails", nginx.Seen, StringComparison.Ordinal);
            Assert.Contains(nginx.Lines, l => l.Contains(file, StringComparison.Ordinal) && l.Contains("unknown directive \"this\"", StringComparison.Ordinal));
        }
        finally
        {
            Root("node-a", $"rm -f {file}");
        }

        Assert.DoesNotContain(Findings((await project.Cli("diagnose", "--node", "node-a", "--nameserver", Dns, "--format", "json")).Stdout), f => f.Check == "nginx-config");
    }

    [Fact]
    public async Task Diagnose_StaleNodeLock_NamesItsOwnerAndForceUnlock()
    {
        using var project = await DeployedAsync("h");
        // The lock of a deploy that died ten minutes ago: its heartbeat (the owner file's mtime) stopped then.
        Root("node-a", """sh -c 'mkdir /var/lib/hostenv/lock && printf "%s" "{\"User\":\"ci\",\"Host\":\"gone-runner\",\"Pid\":4242,\"Command\":\"deploy\",\"Started\":\"2026-01-01T00:00:00+00:00\",\"Token\":\"t\"}" > /var/lib/hostenv/lock/owner.json && touch -d "10 minutes ago" /var/lib/hostenv/lock/owner.json'""");
        try
        {
            var result = await project.Cli("diagnose", "--node", "node-a", "--nameserver", Dns, "--format", "json");
            Assert.Equal(1, result.ExitCode);
            var stale = Assert.Single(Findings(result.Stdout), f => f.Check == "node-lock");
            Assert.Equal("error", stale.Severity);
            Assert.Contains("stale node lock held by ci@gone-runner pid 4242 (deploy", stale.Seen, StringComparison.Ordinal);
            Assert.Matches(@"no heartbeat for (59\d|6\d\d) s", stale.Seen);
            Assert.Contains("hostenv-provider deploy --node node-a --force-unlock", stale.Recommendation, StringComparison.Ordinal);
        }
        finally
        {
            Root("node-a", "rm -rf /var/lib/hostenv/lock");
        }
    }

    [Fact]
    public async Task Diagnose_CertificatePlaceholderThenExpiringSoon_AreWarnings()
    {
        // The canonical vhost asks for ACME; without DNS for it the CA cannot validate and nginx serves the placeholder.
        using var project = await DeployedAsync("i");
        var env = Env(project);
        var vhost = env.Hostname;
        var placeholder = Assert.Single(Findings((await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json")).Stdout),
            f => f.Check == "certificate");
        Assert.Equal("warning", placeholder.Severity);
        Assert.Equal($"{vhost}: the self-signed placeholder is still served (no certificate from the ACME CA yet)", placeholder.Seen);
        Assert.Contains($"/var/log/hostenv/acme-{vhost}.log", placeholder.Recommendation, StringComparison.Ordinal);

        // A certificate that runs out in 5 days (renewal has not replaced it).
        var dir = $"/var/lib/hostenv/acme/certs/{vhost}";
        Root("node-a", $"sh -c 'openssl req -x509 -newkey rsa:2048 -nodes -days 5 -subj /CN={vhost} -keyout {dir}/key.pem -out {dir}/fullchain.pem 2>/dev/null && rm -f {dir}/placeholder'");
        var expiring = Assert.Single(Findings((await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json")).Stdout),
            f => f.Check == "certificate");
        Assert.Equal("warning", expiring.Severity);
        Assert.Matches(@"the certificate expires in [45]\.\d days \(\d{4}-\d\d-\d\d\)", expiring.Seen);
    }

    [Fact]
    public async Task Diagnose_VhostPointingElsewhere_IsFoundThroughTheGatesResolver()
    {
        using var project = await DeployedAsync("j");
        var env = Env(project);
        var files = new List<string>();
        try
        {
            files.Add(HostsEntry(project.Vhost, "10.77.250.250"));
            files.Add(HostsEntry(env.Hostname, testbed.Address("node-a")));
            var findings = Findings((await project.Cli("diagnose", "--env", env.UserName, "--nameserver", Dns, "--format", "json")).Stdout);
            var dns = Assert.Single(findings, f => f.Check == "dns");
            Assert.Equal("warning", dns.Severity);
            Assert.StartsWith($"{project.Vhost} does not point at node-a (elsewhere", dns.Seen, StringComparison.Ordinal);
            Assert.Contains(dns.Lines, l => l == "A 10.77.250.250");
            Assert.Contains($"point {project.Vhost} at node-a.hosting.test (CNAME) or at {testbed.Address("node-a")} (A/AAAA)", dns.Recommendation, StringComparison.Ordinal);
        }
        finally
        {
            files.ForEach(File.Delete);
        }
    }

    [Fact]
    public async Task Diagnose_NodeUnreachableOrWrongHostKey_IsAnErrorAndTheOtherNodeIsStillChecked()
    {
        using var project = await DeployedAsync("k");
        await using (await testbed.StopSshdAsync("node-b"))
        {
            var result = await project.Cli("diagnose", "--nameserver", Dns, "--format", "json");
            Assert.Equal(1, result.ExitCode);
            var findings = Findings(result.Stdout);
            var down = Assert.Single(findings, f => f.Check == "unreachable");
            Assert.Equal("node-b", down.Node);
            Assert.Contains("hostenv-provider node check node-b", down.Recommendation, StringComparison.Ordinal);
            Assert.Contains(findings, f => f.Node == "node-a" && f.Check == "certificate");
        }

        // node-b's key pinned for node-a: someone else answers at node-a's address.
        var nodeA = Path.Combine(project.Repo.Path, "nodes", "node-a", "node.yaml");
        var keyB = File.ReadAllLines(Path.Combine(project.Repo.Path, "nodes", "node-b", "node.yaml")).Single(l => l.StartsWith("hostKey:", StringComparison.Ordinal));
        File.WriteAllLines(nodeA, File.ReadAllLines(nodeA).Select(l => l.StartsWith("hostKey:", StringComparison.Ordinal) ? keyB : l));
        var mismatch = await project.Cli("diagnose", "--node", "node-a", "--nameserver", Dns, "--format", "json");
        Assert.Equal(1, mismatch.ExitCode);
        var key = Assert.Single(Findings(mismatch.Stdout), f => f.Check is "host-key" or "unreachable");
        Assert.Equal("host-key", key.Check);
        Assert.Contains("nothing was sent to it", key.Seen, StringComparison.Ordinal);
        Assert.Contains("hostenv-provider node add node-a", key.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_NodesShareTheHostClock_ReportNoSkew()
    {
        // The testbed's nodes run on this machine's kernel clock, so a skew cannot be made here; what can be checked
        // is that the measurement (node time against the round trip) does not invent one. The rule itself: DiagnoseRulesTests.
        using var project = await DeployedAsync("l");
        var result = await project.Cli("diagnose", "--nameserver", Dns, "--format", "json");
        Assert.Equal(["node-a", "node-b"], JsonNode.Parse(result.Stdout)!["nodes"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.DoesNotContain(Findings(result.Stdout), f => f.Check is "clock-skew" or "unreachable" or "incomplete");
    }

    private async Task<TestbedProject> DeployedAsync(string suffix, bool git = false, string manifest = TestbedProject.AppOnNodeA)
    {
        var project = new TestbedProject(testbed, "dg" + suffix + Environment.ProcessId % 10000, TestbedUids.Block(testbed)).Write(manifest);
        if (git)
        {
            File.WriteAllText(Path.Combine(project.App, "extra.txt"), "extra\n");
            Git(project.Repo.Path, "init", "-q");
            Git(project.Repo.Path, "config", "user.name", "Operator");
            Git(project.Repo.Path, "config", "user.email", "ops@hosting.test");
        }

        var plan = await project.Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        if (git)
        {
            Git(project.Repo.Path, "add", "-A");
            Git(project.Repo.Path, "commit", "-q", "-m", "project");
        }

        var deploy = await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        return project;
    }

    private static EnvironmentPlan Env(TestbedProject project) => FleetAccess.Load(project.Repo.Path).Plan.Environments.Values.Single();

    /// <summary>Every file of the live release with its hash, as the node has it.</summary>
    private string LiveTree(string user) => Root("node-a", $"sh -c 'cd /home/{user}/current/ && find . -type f | LC_ALL=C sort | xargs sha256sum'");

    private string Slot(string user) => Root("node-a", $"sed -n s/^slot=//p /var/lib/hostenv/envs/{user}/state").Trim();

    private string Root(string node, string command) => testbed.Ssh(node, "sudo " + command);

    private string HostsEntry(string name, string address)
    {
        var file = Path.Combine(testbed.Values["HOSTENV_TESTBED_DNS_HOSTSDIR"], "diagnose-" + name);
        File.WriteAllText(file, $"{address} {name}\n");
        // dnsmasq re-reads hosts.d by itself (inotify): wait, bounded, until it answers.
        var server = Dns.Split(':');
        for (var i = 0; i < 100; i++)
        {
            using var p = Process.Start(new ProcessStartInfo("dig", ["+short", "+time=1", "+tries=1", "-p", server[1], "@" + server[0], name, "A"]) { RedirectStandardOutput = true })!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (output.Contains(address, StringComparison.Ordinal))
            {
                break;
            }

            Thread.Sleep(50);
        }

        return file;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(200);
        }
    }

    private static int? StatusDrift(CliResult status, string user) =>
        JsonNode.Parse(status.Stdout)?["environments"]?.AsArray().Single(e => e?["environment"]?.GetValue<string>() == user)?["drift"]?.GetValue<int>();

    private sealed record Finding(string Severity, string Node, string? Environment, string Check, string Seen, string[] Lines, string Recommendation);

    private static List<Finding> Findings(string json) =>
    [
        .. (JsonNode.Parse(json)?["findings"]?.AsArray() ?? []).Select(f => new Finding(f!["severity"]!.GetValue<string>(), f["node"]!.GetValue<string>(),
            f["environment"]?.GetValue<string>(), f["check"]!.GetValue<string>(), f["seen"]!.GetValue<string>(),
            [.. f["lines"]!.AsArray().Select(l => l!.GetValue<string>())], f["recommendation"]!.GetValue<string>())),
    ];

    private static string Git(string dir, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo("git", ["-C", dir, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"git {string.Join(' ', args)}: {error}");
        return output.Trim();
    }
}
