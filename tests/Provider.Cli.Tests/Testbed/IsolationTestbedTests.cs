using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provider.Cli.Tests.Support;
using Provider.Testing;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// Tenant isolation on the testbed's node-a: two environments of one project, a victim (the example app, with a
/// secret and data) and a hostile tenant whose app (IsolationProbe/probe, shipped in its release) tries to reach the
/// victim and the node. Its own UID range and vhosts.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed partial class IsolationTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    // Its own blocks above the other testbed classes' bases (20_000 to 40_000) and below 65534 (nobody).
    private readonly TempDir repo = TempDir.CopyOf(testbed.ProviderRepo);
    private string project = "";

    private string App => Path.Combine(repo.Path, "app");

    private string Address => testbed.Address("node-a");

    private string VictimHost => "victim." + project + ".iso.hosting.test";

    private string HostileHost => "hostile." + project + ".iso.hosting.test";

    private string SiteHost => "site." + project + ".iso.hosting.test";

    private static readonly string Secret = "victim-s3cret-" + TestCanary.Value;

    /// <summary>Every attempt the probe makes, in its order. "own-" ones are the hostile app's own places and must work.</summary>
    private static readonly string[] Attempts =
    [
        "read-other-secrets", "list-secrets-dir", "list-other-home", "read-other-home-file", "list-other-data", "read-other-data",
        "list-other-releases", "read-other-release", "list-other-socket-dir", "connect-other-socket", "list-other-runtime-dir",
        "list-node-state", "read-other-state", "list-generation-nginx", "read-other-nginx-conf", "list-blobs", "signal-other-process",
        // Only the sandbox stops these: the same user outside it (a build, a hook, an SSH login) may.
        "see-other-processes", "write-etc", "write-usr-local", "write-opt", "write-var-lib-hostenv", "write-run-hostenv", "write-home-root",
        "write-other-home", "write-other-socket-dir", "write-own-release", "write-own-authorized-keys",
        "own-read-release", "own-write-data", "own-write-state", "own-write-cache", "own-write-runtime", "own-write-tmp", "own-write-var-tmp", "own-write-dev-shm",
    ];

    /// <summary>The attempts that directory modes alone deny, so they fail outside the sandbox too.</summary>
    private static IEnumerable<string> DeniedByModes => Attempts.TakeWhile(a => a != "see-other-processes");

    private static readonly string[] DeniedErrors = ["ENOENT", "EACCES", "EROFS", "EPERM"];

    /// <summary>A project with the two environments (path source), planned for node-a with its own UIDs.</summary>
    private void Project()
    {
        project = "iso" + (uint)Environment.ProcessId % 100000;
        Directory.CreateDirectory(Path.Combine(repo.Path, "generated"));
        File.WriteAllText(Path.Combine(repo.Path, "generated", "state.json"), $"{{\"_uidHighWaterMark\": {TestbedUids.Block(testbed)}}}\n");
        Directory.CreateDirectory(Path.Combine(App, ".hostenv"));
        File.Copy(Path.Combine(RepoPaths.Root, "examples", "demo", "server"), Path.Combine(App, "server"), overwrite: true);
        File.Copy(Path.Combine(RepoPaths.Root, "tests", "Provider.Cli.Tests", "Testbed", "IsolationProbe", "probe"), Path.Combine(App, "probe"), overwrite: true);
        Directory.CreateDirectory(Path.Combine(App, "public"));
        File.WriteAllText(Path.Combine(App, "public", "index.html"), "static site\n");
        Manifest();
        var provider = Path.Combine(repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider).Replace("projects: {}", $"projects:\n  acme__{project}: {{ path: app }}", StringComparison.Ordinal));
    }

    private void Manifest(string hostileSandbox = "") =>
        File.WriteAllText(Path.Combine(App, ".hostenv", "hostenv.yaml"), $$"""
            organisation: acme
            project: {{project}}
            environments:
              victim:
                type: production
                node: node-a
                virtualHosts:
                  {{VictimHost}}: { enableLetsEncrypt: false }
                app: { run: "./server", healthCheck: { path: /health, deadlineSeconds: 8 }, keepReleases: 2 }
                secrets: [GREETING]
              hostile:
                type: testing
                node: node-a
                virtualHosts:
                  {{HostileHost}}: { enableLetsEncrypt: false }
                app: { run: "./probe", healthCheck: { path: /health, deadlineSeconds: 8 }, keepReleases: 2{{hostileSandbox}} }
              site:
                type: development
                node: node-a
                virtualHosts:
                  {{SiteHost}}: { enableLetsEncrypt: false }
                app: { static: public }

            """);

    [Fact]
    public async Task HostileTenant_ReachesNothingOfAnotherEnvironmentOrTheNode_BothStillServe_AndARelaxationIsExplicit()
    {
        Project();
        var plan = await Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);
        var victim = User("victim");
        var hostile = User("hostile");
        var site = User("site");
        var set = await CliRunner.RunWithStdinAsync(Secret + "\n", ["--dir", repo.Path, "--identity", testbed.SshKey, "secrets", "set", victim, "GREETING"]);
        Assert.True(set.ExitCode == 0, set.Stderr);
        var deploy = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        Ssh($"sudo -n runuser -u {victim} -- sh -c 'echo victim-data > /home/{victim}/.local/share/data.txt'");

        // The narrowest modes that work, for both environments' directories and hostenv's own.
        var victimSlot = LiveSlot(victim);
        var modes = Ssh("sudo -n stat -c '%a %U %G %n' " + string.Join(' ',
            $"/home/{victim}", $"/home/{victim}/releases", $"/home/{victim}/.local/share", $"/home/{victim}/.local/state", $"/home/{victim}/.cache",
            $"/run/hostenv/nginx/{victim}", $"/run/hostenv/nginx/{victim}/slot-{victimSlot}.sock", $"/run/hostenv/user/{victim}",
            "/run/hostenv/nginx", "/run/hostenv/user", "/var/lib/hostenv/secrets", $"/var/lib/hostenv/secrets/{victim}.env",
            "/var/lib/hostenv/envs", $"/var/lib/hostenv/envs/{victim}", "/var/lib/hostenv/blobs", "/var/lib/hostenv/generations",
            "/var/lib/hostenv/current/nginx", "/var/lib/hostenv/current/users", $"/home/{site}", $"/home/{site}/releases"));
        foreach (var expected in new[]
        {
            $"700 {victim} {victim} /home/{victim}", $"700 {victim} {victim} /home/{victim}/releases",
            $"700 {victim} {victim} /home/{victim}/.local/share", $"700 {victim} {victim} /home/{victim}/.local/state", $"700 {victim} {victim} /home/{victim}/.cache",
            $"2710 {victim} www-data /run/hostenv/nginx/{victim}", $"770 {victim} www-data /run/hostenv/nginx/{victim}/slot-{victimSlot}.sock",
            $"700 {victim} {victim} /run/hostenv/user/{victim}", "711 root root /run/hostenv/nginx", "711 root root /run/hostenv/user",
            "711 root root /var/lib/hostenv/secrets", $"600 {victim} {victim} /var/lib/hostenv/secrets/{victim}.env",
            "700 root root /var/lib/hostenv/envs", $"700 root root /var/lib/hostenv/envs/{victim}", "700 root root /var/lib/hostenv/blobs",
            "711 root root /var/lib/hostenv/generations", "700 root root /var/lib/hostenv/current/nginx", "700 root root /var/lib/hostenv/current/users",
            // A static site's home and releases: nginx's group may traverse them (it serves ~/current/public), nobody else.
            $"710 {site} www-data /home/{site}", $"710 {site} www-data /home/{site}/releases",
        })
        {
            Assert.Contains(expected, modes.Split('\n'));
        }

        // systemd's own measure of the app unit's exposure.
        foreach (var (user, slot) in new[] { (victim, victimSlot), (hostile, LiveSlot(hostile)) })
        {
            var analysis = Ssh($"sudo -n systemd-analyze security hostenv-{user}-app@{slot}.service");
            var exposure = ExposureLine().Match(analysis);
            Assert.True(exposure.Success, analysis);
            Assert.True(double.Parse(exposure.Groups[1].Value, CultureInfo.InvariantCulture) <= 4.0, exposure.Value);
        }

        // The hostile app, in its sandbox: every attempt on the victim and the node fails; its own places work.
        var pid = Ssh($"sudo -n systemctl show -p MainPID --value hostenv-{victim}-app@{victimSlot}.service").Trim();
        Assert.Matches("^[1-9][0-9]*$", pid);
        var token = Guid.NewGuid().ToString("N")[..12];
        var sandboxed = Results(Get(HostileHost, $"/probe/{victim}/{pid}/{token}"));
        AssertOutcomes(sandboxed, Attempts.Where(a => !a.StartsWith("own-", StringComparison.Ordinal)), Attempts.Where(a => a.StartsWith("own-", StringComparison.Ordinal)));
        // Its /tmp, /var/tmp and /dev/shm are its own: nothing it wrote there reaches the node's.
        Assert.Equal("", Ssh($"sudo -n ls -d /tmp/hostenv-probe-{token} /var/tmp/hostenv-probe-{token} /dev/shm/hostenv-probe-{token} 2>/dev/null").Trim());

        // The same script as the hostile environment's user outside the sandbox (what its builds, hooks and SSH logins
        // can do): the directory modes alone still keep the victim's files, sockets and the node's state from it.
        var unsandboxed = Results(Ssh($"cd /tmp && sudo -n runuser -u {hostile} -- sh -c 'cd /home/{hostile}/current && HOSTENV_USER={hostile} " +
            $"HOSTENV_DATA_DIR=/home/{hostile}/.local/share HOSTENV_STATE_DIR=/home/{hostile}/.local/state HOSTENV_CACHE_DIR=/home/{hostile}/.cache " +
            $"HOSTENV_RUNTIME_DIR=/run/hostenv/user/{hostile} python3 ./probe --cli {victim} {pid} {token}x'"));
        AssertOutcomes(unsandboxed, DeniedByModes, []);
        // Nor a static site's, whose home nginx can traverse.
        var unsandboxedSite = Results(Ssh($"cd /tmp && sudo -n runuser -u {hostile} -- sh -c 'cd /home/{hostile}/current && HOSTENV_USER={hostile} " +
            $"HOSTENV_DATA_DIR=/home/{hostile}/.local/share HOSTENV_STATE_DIR=/home/{hostile}/.local/state HOSTENV_CACHE_DIR=/home/{hostile}/.cache " +
            $"HOSTENV_RUNTIME_DIR=/run/hostenv/user/{hostile} python3 ./probe --cli {site} {pid} {token}y'"));
        AssertOutcomes(unsandboxedSite, DeniedByModes, []);
        Ssh($"sudo -n rm -f /tmp/hostenv-probe-{token}[xy] /var/tmp/hostenv-probe-{token}[xy] /dev/shm/hostenv-probe-{token}[xy]");

        // Both still serve, and the victim's secret still reaches its app (systemd reads the file, the app never does).
        Assert.Equal("200", Status(VictimHost));
        Assert.Equal("200", Status(HostileHost));
        Assert.Equal("static site\n", Get(SiteHost, "/"));
        Assert.StartsWith(Secret + " from " + victim, Get(VictimHost, "/"), StringComparison.Ordinal);

        // A relaxation is explicit, shown by plan, and lifts only what it names.
        Manifest(", sandbox: { allow: [writeRelease] }");
        var relaxed = await Cli("plan");
        Assert.True(relaxed.ExitCode == 0, relaxed.Stdout + relaxed.Stderr);
        Assert.Contains($"~ env {hostile}: app.sandbox.allow [] → [writeRelease]", relaxed.Stdout + relaxed.Stderr, StringComparison.Ordinal);
        var planned = JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["environments"]!;
        Assert.Equal("[\"writeRelease\"]", planned[hostile]!["app"]!["sandbox"]!["allow"]!.ToJsonString());
        Assert.Equal("[]", planned[victim]!["app"]!["sandbox"]!["allow"]!.ToJsonString());
        var redeploy = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.True(redeploy.ExitCode == 0, redeploy.Stdout + redeploy.Stderr);
        // The manifest is part of the release: the victim was redeployed too, in its other slot.
        pid = Ssh($"sudo -n systemctl show -p MainPID --value hostenv-{victim}-app@{LiveSlot(victim)}.service").Trim();
        var after = Results(Get(HostileHost, $"/probe/{victim}/{pid}/{token}r"));
        AssertOutcomes(after, Attempts.Where(a => !a.StartsWith("own-", StringComparison.Ordinal) && a != "write-own-release"),
            Attempts.Where(a => a.StartsWith("own-", StringComparison.Ordinal) || a == "write-own-release"));
        Assert.Equal("200", Status(VictimHost));
    }

    /// <summary>Each attempt's outcome: "allowed", or "denied ERRNO".</summary>
    private static Dictionary<string, string> Results(string probeOutput) =>
        probeOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private static void AssertOutcomes(Dictionary<string, string> results, IEnumerable<string> denied, IEnumerable<string> allowed)
    {
        var table = string.Join("\n", results.Select(r => $"  {r.Key}: {r.Value}"));
        foreach (var attempt in denied)
        {
            Assert.True(results.TryGetValue(attempt, out var outcome), $"the probe did not report {attempt}:\n{table}");
            Assert.True(outcome.StartsWith("denied ", StringComparison.Ordinal) && DeniedErrors.Contains(outcome[7..]), $"{attempt} was not denied ({outcome}):\n{table}");
        }

        foreach (var attempt in allowed)
        {
            Assert.True(results.TryGetValue(attempt, out var outcome) && outcome == "allowed", $"{attempt} should work in its own place ({outcome}):\n{table}");
        }
    }

    [GeneratedRegex(@"Overall exposure level for \S+: ([0-9]+\.[0-9]+)")]
    private static partial Regex ExposureLine();

    private string User(string environment) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["environments"]!.AsObject()
            .Single(e => e.Key.StartsWith(project + "-" + environment + "-", StringComparison.Ordinal)).Key;

    private string LiveSlot(string user) => Ssh($"sudo -n readlink /run/hostenv/nginx/{user}/in.sock").Trim().EndsWith("slot-a.sock", StringComparison.Ordinal) ? "a" : "b";

    private Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(["--dir", repo.Path, "--identity", testbed.SshKey, .. args]);

    private string Get(string host, string path) => Curl(["-s", "--max-time", "10", "-H", "Host: " + host, $"http://{Address}{path}"]);

    private string Status(string host) => Curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-H", "Host: " + host, $"http://{Address}/"]);

    private static string Curl(string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo("curl", args) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    private string Ssh(string command) => testbed.Ssh("node-a", command);

    public void Dispose()
    {
        File.Delete(Provider.Nodes.Apply.DeployJournal.PathFor(repo.Path));
        repo.Dispose();
    }
}
