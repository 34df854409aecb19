using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Provider.Cli.Tests.Support;
using Provider.Testing;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// The environment stage on the testbed's node-a: a real app (the example's python server) behind nginx,
/// deployed through two slots. Each test has its own project, UID range and vhost.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class EnvironmentTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    private readonly TempDir repo = TempDir.CopyOf(testbed.ProviderRepo);
    private string project = "";
    private string vhost = "";

    private string App => Path.Combine(repo.Path, "app");

    private string Address => testbed.Address("node-a");

    /// <summary>A project with the example app (path source), planned for node-a with its own UIDs.</summary>
    private void Project(string environments, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        project = "et" + (uint)test.GetHashCode(StringComparison.Ordinal) % 100000;
        vhost = project + ".env.hosting.test";
        Directory.CreateDirectory(Path.Combine(repo.Path, "generated"));
        File.WriteAllText(Path.Combine(repo.Path, "generated", "state.json"), $"{{\"_uidHighWaterMark\": {TestbedUids.Block(testbed)}}}\n");
        Directory.CreateDirectory(Path.Combine(App, ".hostenv"));
        File.Copy(Path.Combine(RepoPaths.Root, "examples", "demo", "server"), Path.Combine(App, "server"), overwrite: true);
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v1\n");
        File.WriteAllText(Path.Combine(App, ".hostenv", "hostenv.yaml"), $"organisation: acme\nproject: {project}\nenvironments:\n" + environments.Replace("VHOST", vhost, StringComparison.Ordinal));
        var provider = Path.Combine(repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider).Replace("projects: {}", $"projects:\n  acme__{project}: {{ path: app }}", StringComparison.Ordinal));
    }

    private const string MainApp = """
          main:
            type: production
            node: node-a
            virtualHosts:
              VHOST: { enableLetsEncrypt: false }
            app: { run: "./server", healthCheck: { path: /health, deadlineSeconds: 8 }, keepReleases: 2 }
        """;

    private Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(["--dir", repo.Path, "--identity", testbed.SshKey, .. args]);

    private async Task<CliResult> Deploy()
    {
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        return await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
    }

    private string Get(string host)
    {
        using var p = Process.Start(new ProcessStartInfo("curl", ["-s", "--max-time", "5", "-H", "Host: " + host, $"http://{Address}/"]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    [Fact]
    public async Task FailedHealthCheck_NeverReceivesTraffic_OldReleaseAnswersThroughout_AndAGoodReleaseSwitchesWithoutErrors()
    {
        Project(MainApp);
        var first = await Deploy();
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.StartsWith("v1 from ", Get(vhost), StringComparison.Ordinal);

        using var load = new HttpLoadGenerator(IPAddress.Parse(Address), vhost);
        load.Start();

        // A release whose health endpoint fails: exit 1, the journal's last lines, and v1 keeps answering.
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v2\n");
        File.WriteAllText(Path.Combine(App, "unhealthy"), "");
        var broken = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("health check failed: GET /health answered 500, expected 200-399", broken.Stderr, StringComparison.Ordinal);
        Assert.Contains("the new release was stopped and the old one keeps serving", broken.Stderr, StringComparison.Ordinal);
        Assert.Contains("last lines of hostenv-", broken.Stderr, StringComparison.Ordinal);
        var duringBroken = load.Snapshot();
        Assert.DoesNotContain(duringBroken.Bodies, b => b.StartsWith("v2", StringComparison.Ordinal));

        // A good release under the same load: switched without a single failed request.
        File.Delete(Path.Combine(App, "unhealthy"));
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v3\n");
        var good = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.True(good.ExitCode == 0, good.Stdout + good.Stderr);
        Thread.Sleep(300);
        var result = load.Stop();

        Assert.True(result.Requests > 50, $"only {result.Requests} requests were made");
        Assert.True(result.Failures == 0, $"{result.Failures} of {result.Requests} requests failed: {string.Join("; ", result.Errors.Take(5))}");
        Assert.DoesNotContain(result.Bodies, b => b.StartsWith("v2", StringComparison.Ordinal));
        Assert.Contains(result.Bodies, b => b.StartsWith("v1", StringComparison.Ordinal));
        Assert.Contains(result.Bodies, b => b.StartsWith("v3", StringComparison.Ordinal));
        Assert.StartsWith("v3 from ", Get(vhost), StringComparison.Ordinal);

        var history = await Cli("history", "--env", $"{project}/main", "--format", "json");
        Assert.Equal(0, history.ExitCode);
        var outcomes = System.Text.Json.Nodes.JsonNode.Parse(history.Stdout)!.AsArray().Select(e => e!["outcome"]!.GetValue<string>()).ToList();
        Assert.True(outcomes.SequenceEqual(["deployed", "failed", "deployed"]), history.Stdout);

        var status = await Cli("status", "--node", "node-a", "--format", "json");
        Assert.Equal(0, status.ExitCode);
        var env = System.Text.Json.Nodes.JsonNode.Parse(status.Stdout)!["environments"]!.AsArray().Single(e => e!["environment"]!.GetValue<string>().StartsWith(project + "-main-", StringComparison.Ordinal))!;
        Assert.Equal("active", env["service"]!.GetValue<string>());
        Assert.Equal("200", env["http"]!.GetValue<string>());
        Assert.Equal("deployed", env["lastDeploy"]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnAppThatCrashesOnStart_FailsWithoutWaitingOutTheDeadline_AndTheOldReleaseKeepsServing()
    {
        Project(MainApp);
        Assert.Equal(0, (await Deploy()).ExitCode);

        // Crashes at once, every time: systemd gives up after its restart limit, and so does the health check
        // (it reports the unit's state instead of polling for the remaining two minutes).
        var manifest = Path.Combine(App, ".hostenv", "hostenv.yaml");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("run: \"./server\", healthCheck: { path: /health, deadlineSeconds: 8 }",
            "run: \"false\", healthCheck: { path: /health, deadlineSeconds: 120 }", StringComparison.Ordinal));
        var crash = await Deploy();
        Assert.Equal(1, crash.ExitCode);
        Assert.True(crash.Stderr.Contains("the unit is not running (failed: exit-code)", StringComparison.Ordinal), crash.Stderr);
        Assert.DoesNotContain("(deadline 120 s)", crash.Stderr, StringComparison.Ordinal);
        Assert.Contains("the new release was stopped and the old one keeps serving", crash.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("v1 from ", Get(vhost), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextSlot_ComesFromTheLiveLink_NotFromAStaleStateFile()
    {
        // A state file that names the wrong slot (as an interruption between switch and record once could leave it)
        // must not make the next deploy restart the slot that is serving.
        Project(MainApp);
        Assert.Equal(0, (await Deploy()).ExitCode);
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v2\n");
        Assert.Equal(0, (await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate")).ExitCode);
        var user = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["environments"]!.AsObject()
            .Single(e => e.Key.StartsWith(project + "-main-", StringComparison.Ordinal)).Key;
        var live = Ssh($"sudo -n readlink /run/hostenv/nginx/{user}/in.sock").Trim(); // the socket directory is 2710 user:www-data
        var liveSlot = live.EndsWith("slot-a.sock", StringComparison.Ordinal) ? "a" : "b";
        var staleSlot = liveSlot == "a" ? "b" : "a";
        Ssh($"sudo -n sed -i 's/^slot=.*/slot={staleSlot}/' /var/lib/hostenv/envs/{user}/state");

        using var load = new HttpLoadGenerator(IPAddress.Parse(Address), vhost);
        load.Start();
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v3\n");
        var r = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains($"in slot {staleSlot} beside the live one", r.Stderr, StringComparison.Ordinal);
        Thread.Sleep(300);
        var result = load.Stop();
        Assert.True(result.Failures == 0, $"{result.Failures} of {result.Requests} requests failed: {string.Join("; ", result.Errors.Take(5))}");
        Assert.StartsWith("v3 from ", Get(vhost), StringComparison.Ordinal);
        Assert.Equal($"slot={staleSlot}", Ssh($"sudo -n grep '^slot=' /var/lib/hostenv/envs/{user}/state").Trim());
    }

    [Fact]
    public async Task Redeploy_Unchanged_DoesNothing_OneChangedFileSendsOneBlob_RetentionKeepsTwo_RollbackSwitchesBack()
    {
        Project(MainApp);
        Assert.Equal(0, (await Deploy()).ExitCode);
        var again = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("is current and serving: nothing to do", again.Stderr, StringComparison.Ordinal);
        var user = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["environments"]!.AsObject()
            .Single(e => e.Key.StartsWith(project + "-main-", StringComparison.Ordinal)).Key;
        var unchanged = await Cli("deploy", "--node", "node-a", "--skip-gate", "--dry-run");
        Assert.True(unchanged.ExitCode == 0, unchanged.Stdout + unchanged.Stderr);
        Assert.Matches($@"  {user}: release \S+ is current and serving", unchanged.Stderr);

        for (var v = 2; v <= 4; v++)
        {
            // Content no earlier run put in the node's blob store (it outlives tests): exactly this file travels.
            var greeting = $"v{v} {Guid.NewGuid():N}\n";
            File.WriteAllText(Path.Combine(App, "greeting.txt"), greeting);
            if (v == 2)
            {
                // Only the app's files changed: the system is up to date, yet the dry run reports the new release (exit 2) and ships nothing.
                var live = Ssh($"sudo -n readlink /home/{user}/current").Trim();
                var dry = await Cli("deploy", "--node", "node-a", "--skip-gate", "--dry-run");
                Assert.True(dry.ExitCode == 2, dry.Stdout + dry.Stderr);
                Assert.Contains($"~ {user}: new release replaces ", dry.Stderr, StringComparison.Ordinal);
                Assert.Matches($@"~ {user}: new release replaces \S+ \(rev \S+ -> \S+: source changed\)", dry.Stderr); // a path source's rev is its tree hash
                Assert.Equal(live, Ssh($"sudo -n readlink /home/{user}/current").Trim());
                Assert.StartsWith("v1 from ", Get(vhost), StringComparison.Ordinal);
            }

            var r = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            Assert.Contains($"sent 1 blob(s), {greeting.Length} bytes", r.Stderr, StringComparison.Ordinal);
        }

        var releases = Ssh($"sudo -n ls /home/{user}/releases").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, releases.Length); // keepReleases: 2 (current and previous)

        var list = await Cli("rollback", "--env", user, "--list", "--format", "json");
        Assert.Equal(0, list.ExitCode);
        var listed = System.Text.Json.Nodes.JsonNode.Parse(list.Stdout)!;
        Assert.Equal(releases.Order(StringComparer.Ordinal), listed["releases"]!.AsArray().Select(r => r!["release"]!.GetValue<string>()));
        Assert.Equal(releases.Max(StringComparer.Ordinal), listed["current"]!.GetValue<string>());

        var back = await Cli("rollback", "--yes", "--env", user);
        Assert.True(back.ExitCode == 0, back.Stdout + back.Stderr);
        Assert.StartsWith("v3 ", Get(vhost), StringComparison.Ordinal);

        // The plan still says v4: the next deploy brings it back.
        var forward = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.Equal(0, forward.ExitCode);
        Assert.StartsWith("v4 ", Get(vhost), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_ReachTheServiceAsEnvironment_AreNeverPrintedOrStoredLocally()
    {
        Project(MainApp.Replace("keepReleases: 2 }", "keepReleases: 2 }\n    secrets: [GREETING]", StringComparison.Ordinal));
        var before = await Deploy();
        Assert.Equal(0, before.ExitCode);
        Assert.Contains("warning: declared secret(s) not set on the node: GREETING", before.Stderr, StringComparison.Ordinal);
        var missing = await Cli("secrets", "list", $"{project}/main");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("MISSING", missing.Stdout, StringComparison.Ordinal);

        var secret = "s3cr3t-\"quoted\" $HOME `x` " + TestCanary.Value;
        var set = await CliWithStdin(secret + "\n", "secrets", "set", $"{project}/main", "GREETING");
        Assert.True(set.ExitCode == 0, set.Stderr);
        Assert.DoesNotContain("s3cr3t", set.Stdout + set.Stderr, StringComparison.Ordinal);

        // A secret set on the node changes the release's inputs with the same rev: the dry run says so.
        var dry = await Cli("deploy", "--node", "node-a", "--skip-gate", "--dry-run");
        Assert.True(dry.ExitCode == 2, dry.Stdout + dry.Stderr);
        Assert.Contains("same rev: secrets changed", dry.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", dry.Stdout + dry.Stderr, StringComparison.Ordinal);

        var deploy = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.Equal(0, deploy.ExitCode);
        Assert.DoesNotContain("s3cr3t", deploy.Stdout + deploy.Stderr, StringComparison.Ordinal);
        Assert.StartsWith(secret + " from ", Get(vhost), StringComparison.Ordinal);

        var list = await Cli("secrets", "list", $"{project}/main");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("GREETING  set", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFiles(repo.Path, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains("s3cr3t", StringComparison.Ordinal));
        var user = Ssh("ls /home | grep " + project).Trim();
        Assert.Equal($"600 {user}", Ssh($"sudo -n stat -c '%a %U' /var/lib/hostenv/secrets/{user}.env").Trim());
    }

    [Fact]
    public async Task Resume_AfterTheToolIsKilledMidDeploy_CompletesTheRun()
    {
        // Two environments; the second builds for a few seconds: the tool is killed while it builds.
        Project(MainApp + """

              second:
                type: testing
                node: node-a
                virtualHosts:
                  second.VHOST: { enableLetsEncrypt: false }
                app: { run: "./server", build: ["sleep 4"], healthCheck: { path: /health, deadlineSeconds: 8 } }
            """);
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        Assert.True(await DeployAndKillWhen(line => line.Contains("-second-", StringComparison.Ordinal) && line.Contains(": release ", StringComparison.Ordinal)),
            "the deploy never reached the second environment");

        var resumed = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Contains("resuming the interrupted deploy: 1 of 2 environment(s) already finished", resumed.Stderr, StringComparison.Ordinal);
        Assert.Contains("took over the lock of", resumed.Stderr, StringComparison.Ordinal);
        Assert.Contains("finished before the interruption; skipped", resumed.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("v1 from ", Get("second." + vhost), StringComparison.Ordinal);
        Assert.StartsWith("v1 from ", Get(vhost), StringComparison.Ordinal);

        var nothing = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate", "--resume");
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("the last deploy finished; there is nothing to resume", nothing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_AfterTheToolIsKilledBetweenBuildAndSwitch_DoesNotBuildAgain()
    {
        // The build counts its runs in the user's home; the first preDeploy holds the run after the build so the kill lands there.
        Project(MainApp.Replace("keepReleases: 2 }",
            "keepReleases: 2, build: [\"echo built >> $HOME/builds\"], hooks: { preDeploy: \"if [ ! -f $HOME/held ]; then touch $HOME/held; sleep 20; fi\" } }", StringComparison.Ordinal));
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        var user = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["environments"]!.AsObject()
            .Single(e => e.Key.StartsWith(project + "-main-", StringComparison.Ordinal)).Key;
        // Killed a second after the build, inside preDeploy's sleep.
        Assert.True(await DeployAndKillWhen(line => line.Contains(user, StringComparison.Ordinal) && line.Contains("build finished", StringComparison.Ordinal), TimeSpan.FromSeconds(1)),
            "the deploy never finished the build");

        Assert.Equal("built", Ssh($"sudo -n cat /home/{user}/builds").Trim());
        var resumed = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Contains("was assembled and built before the interruption: upload, assembly and build skipped", resumed.Stderr, StringComparison.Ordinal);
        Assert.Contains("preDeploy hook passed", resumed.Stderr, StringComparison.Ordinal);
        Assert.Equal("built", Ssh($"sudo -n cat /home/{user}/builds").Trim()); // one build, not two
        Assert.StartsWith("v1 from ", Get(vhost), StringComparison.Ordinal);

        // A plain deploy (not --resume) of a new source builds again.
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v2\n");
        var next = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.True(next.ExitCode == 0, next.Stdout + next.Stderr);
        Assert.Equal("built\nbuilt", Ssh($"sudo -n cat /home/{user}/builds").Trim());
    }

    [Fact]
    public async Task NodeOverridesWin_SharedDirsOutliveReleases_AndAFailedVerificationExits1()
    {
        Project(MainApp.Replace("keepReleases: 2 }", "keepReleases: 2, sharedDirs: [uploads] }\n    deploymentVerification:\n      - { host: VHOST, path: /, bodyRegex: \"^override \" }", StringComparison.Ordinal));
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        var user = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["environments"]!.AsObject()
            .Single(e => e.Key.StartsWith(project + "-main-", StringComparison.Ordinal)).Key;
        // The operator's node-local file: copied over every release of this environment (the node's copy wins).
        Ssh($"sudo -n mkdir -p /etc/hostenv/overrides/{user} && echo override | sudo -n tee /etc/hostenv/overrides/{user}/greeting.txt >/dev/null");
        try
        {
            var first = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
            Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
            Assert.StartsWith("override from ", Get(vhost), StringComparison.Ordinal);
            Assert.Contains($"verify http://{vhost}/: ok (status 200)", first.Stderr, StringComparison.Ordinal);

            // Shared dirs: the same directory behind every release.
            Ssh($"sudo -n sh -c 'echo kept > /home/{user}/current/uploads/photo.txt'");
            File.WriteAllText(Path.Combine(App, "other.txt"), "a new file\n");
            Assert.Equal(0, (await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate")).ExitCode);
            Assert.Equal("kept", Ssh($"sudo -n cat /home/{user}/current/uploads/photo.txt").Trim());

            // The override goes: the node's inputs changed, so the next deploy ships a release without it, and
            // the verification (which expects the override's greeting) fails the run.
            Ssh($"sudo -n rm -rf /etc/hostenv/overrides/{user}");
            var failed = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
            Assert.Equal(1, failed.ExitCode);
            Assert.Contains($"verification failed: http://{vhost}/: status 200, body does not match /^override /", failed.Stdout, StringComparison.Ordinal);
            Assert.StartsWith("v1 from ", Get(vhost), StringComparison.Ordinal);
        }
        finally
        {
            Ssh($"sudo -n rm -rf /etc/hostenv/overrides/{user}");
        }
    }

    [Fact]
    public async Task Sigterm_MidBuild_CancelsCleanly_ReleasesTheLock_AndTheOldReleaseKeepsServing()
    {
        Project(MainApp);
        Assert.Equal(0, (await Deploy()).ExitCode);
        var manifest = Path.Combine(App, ".hostenv", "hostenv.yaml");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("app: { run: \"./server\",", "app: { run: \"./server\", build: [\"sleep 30\"],", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v2\n");
        Assert.Equal(0, (await Cli("plan")).ExitCode);

        var psi = new ProcessStartInfo("dotnet", [CliProcess.Executable, "--dir", repo.Path, "--identity", testbed.SshKey, "deploy", "--yes", "--node", "node-a", "--skip-gate"])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var stderr = new System.Text.StringBuilder();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60) && await p.StandardError.ReadLineAsync() is { } line)
        {
            stderr.AppendLine(line);
            if (line.Contains(": release ", StringComparison.Ordinal))
            {
                await Task.Delay(1000); // inside the 30 s build
                using var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                await kill.WaitForExitAsync();
                break;
            }
        }

        stderr.Append(await p.StandardError.ReadToEndAsync());
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 130, stderr.ToString());
        Assert.Contains("cancelled.", stderr.ToString(), StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(25), "the build was not interrupted: " + sw.Elapsed);
        Assert.Equal("0", Ssh("pgrep -c -f '^sleep 30$' || true").Trim()); // the remote build was stopped, not orphaned
        Assert.StartsWith("v1 from ", Get(vhost), StringComparison.Ordinal);

        // The lock was released (nothing to take over) and the next run deploys.
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("build: [\"sleep 30\"],", "", StringComparison.Ordinal));
        var next = await Deploy();
        Assert.True(next.ExitCode == 0, next.Stdout + next.Stderr);
        Assert.DoesNotContain("took over the lock", next.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("v2 from ", Get(vhost), StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs `deploy --node node-a` as its own process and kills it (no cleanup, no lock release: as if the machine
    /// lost power) once a progress line matches, after an optional delay. False if no line matched within 90 s.
    /// </summary>
    private async Task<bool> DeployAndKillWhen(Func<string, bool> matches, TimeSpan delay = default)
    {
        var psi = new ProcessStartInfo("dotnet", [CliProcess.Executable, "--dir", repo.Path, "--identity", testbed.SshKey, "deploy", "--yes", "--node", "node-a", "--skip-gate"])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var sw = Stopwatch.StartNew();
        while (!p.HasExited && sw.Elapsed < TimeSpan.FromSeconds(90))
        {
            var line = await p.StandardError.ReadLineAsync();
            if (line is null)
            {
                break;
            }

            if (matches(line))
            {
                await Task.Delay(delay);
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
                return true;
            }
        }

        p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync();
        return false;
    }

    private Task<CliResult> CliWithStdin(string stdin, params string[] args) =>
        CliRunner.RunWithStdinAsync(stdin, ["--dir", repo.Path, "--identity", testbed.SshKey, .. args]);

    private string Ssh(string command) => testbed.Ssh("node-a", command);

    public void Dispose()
    {
        // The journal of this repo's deploys lives outside it; remove it with the repo.
        File.Delete(Provider.Nodes.Apply.DeployJournal.PathFor(repo.Path));
        repo.Dispose();
    }
}
