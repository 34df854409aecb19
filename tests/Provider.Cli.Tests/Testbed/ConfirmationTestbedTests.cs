using System.Diagnostics;
using System.Text;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// deploy and rollback ask first on a terminal (a real pseudo-terminal from util-linux's `script`), refuse without one
/// unless --yes, and never act on a node that changed between the preview and the answer; `verify` runs the checks on
/// demand. On the testbed's node-a, with the example app.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class ConfirmationTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    // 10_000..18_960: below every other testbed class's range (DeployTestbed 20_000+, EnvironmentTestbed 30_000+, Isolation 61_000+), so
    // no two classes of one run can reserve the same UID, and never past the 65_533 a UID may be.
    private readonly TempDir repo = TempDir.CopyOf(testbed.ProviderRepo);
    private string user = "";

    private string App => Path.Combine(repo.Path, "app");

    private string Manifest => Path.Combine(App, ".hostenv", "hostenv.yaml");

    /// <summary>One app environment on node-a (own project, UIDs and vhost), deployed once; returns its userName.</summary>
    private async Task DeployedApp(string extra = "", [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var project = "ct" + (uint)test.GetHashCode(StringComparison.Ordinal) % 100000;
        Directory.CreateDirectory(Path.Combine(repo.Path, "generated"));
        File.WriteAllText(Path.Combine(repo.Path, "generated", "state.json"), $"{{\"_uidHighWaterMark\": {TestbedUids.Block(testbed)}}}\n");
        Directory.CreateDirectory(Path.Combine(App, ".hostenv"));
        File.Copy(Path.Combine(RepoPaths.Root, "examples", "demo", "server"), Path.Combine(App, "server"), overwrite: true);
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v1\n");
        File.WriteAllText(Manifest, $"organisation: acme\nproject: {project}\nenvironments:\n  main:\n    type: production\n    node: node-a\n" +
            $"    virtualHosts:\n      {project}.confirm.hosting.test: {{ enableLetsEncrypt: false }}\n" +
            "    app: { run: \"./server\", healthCheck: { path: /health, deadlineSeconds: 8 } }\n" + extra);
        var provider = Path.Combine(repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider).Replace("projects: {}", $"projects:\n  acme__{project}: {{ path: app }}", StringComparison.Ordinal));
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        var deploy = await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        user = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!["environments"]!.AsObject().Single().Key;
    }

    private Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(["--dir", repo.Path, "--identity", testbed.SshKey, .. args]);

    /// <summary>What the node records for the environment (its state file) and the node's current generation.</summary>
    private string NodeState() => testbed.Ssh("node-a", $"sudo -n cat /var/lib/hostenv/envs/{user}/state; readlink /var/lib/hostenv/current");

    /// <summary>
    /// Runs the CLI on a pseudo-terminal (stdin, stdout and stderr all the terminal), waits for its question, runs
    /// <paramref name="beforeAnswer"/>, then types <paramref name="answer"/>. Returns the exit code and everything printed.
    /// </summary>
    private async Task<(int ExitCode, string Output)> OnTerminal(string answer, Action? beforeAnswer, params string[] args)
    {
        var command = string.Join(' ', new[] { "dotnet", CliProcess.Executable, "--dir", repo.Path, "--identity", testbed.SshKey }.Concat(args).Select(a => "'" + a + "'"));
        var psi = new ProcessStartInfo("script", ["-qefc", command, "/dev/null"]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        var buffer = new char[4096];
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(120) && !output.ToString().Contains("[y/N]", StringComparison.Ordinal))
        {
            var read = await p.StandardOutput.ReadAsync(buffer);
            if (read == 0)
            {
                break; // it ended without asking
            }

            output.Append(buffer, 0, read);
        }

        if (output.ToString().Contains("[y/N]", StringComparison.Ordinal))
        {
            beforeAnswer?.Invoke();
            await p.StandardInput.WriteAsync(answer + "\n");
            await p.StandardInput.FlushAsync();
        }

        output.Append(await p.StandardOutput.ReadToEndAsync());
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
        }

        return (p.ExitCode, output.ToString());
    }

    [Fact]
    public async Task Deploy_OnATerminal_ShowsThePreviewAndAsks_AnsweredNo_LeavesTheNodeAsItWas()
    {
        await DeployedApp();
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v2\n");
        var before = NodeState();

        var (code, output) = await OnTerminal("n", null, "deploy", "--node", "node-a", "--skip-gate");

        Assert.True(code == 1, output);
        Assert.Contains("node-a:\r\n  up to date", output, StringComparison.Ordinal);
        Assert.Contains($"~ {user}: new release replaces", output, StringComparison.Ordinal);
        Assert.Contains("Deploy these changes? [y/N]", output, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed.", output, StringComparison.Ordinal);
        Assert.Equal(before, NodeState());
    }

    [Fact]
    public async Task Deploy_OnATerminal_AnsweredYes_Deploys_ButANodeChangedAfterThePreviewIsLeftAlone()
    {
        await DeployedApp();
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v2\n");
        var before = NodeState();

        // Between the preview and "yes", an operator adds a node-local override for the environment: what the deploy would
        // ship is no longer what was shown, so it must not act.
        var (code, output) = await OnTerminal("y", () => testbed.Ssh("node-a",
            $"sudo -n install -d /etc/hostenv/overrides/{user} && echo GREETING_SUFFIX=x | sudo -n tee /etc/hostenv/overrides/{user}/env >/dev/null"),
            "deploy", "--node", "node-a", "--skip-gate");

        Assert.True(code == 1, output);
        Assert.Contains("changed on the node since the preview you confirmed", output, StringComparison.Ordinal);
        Assert.Equal(before, NodeState());

        // Asked again, it shows the node as it is now, and a "yes" deploys it.
        var (again, againOutput) = await OnTerminal("y", null, "deploy", "--node", "node-a", "--skip-gate");
        Assert.True(again == 0, againOutput);
        Assert.Contains($"~ {user}: new release replaces", againOutput, StringComparison.Ordinal);
        Assert.NotEqual(before, NodeState());
    }

    [Fact]
    public async Task DeployAndRollback_WithoutATerminalOrYes_ExitOneNamingYes_AndChangeNothing()
    {
        await DeployedApp();
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v2\n");
        var before = NodeState();

        foreach (var args in new[] { new[] { "deploy", "--node", "node-a", "--skip-gate" }, ["rollback", "--env", user], ["rollback", "--node", "node-a"] })
        {
            var result = await Cli(args);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("pass --yes", result.Stderr, StringComparison.Ordinal);
            Assert.Single(result.Stderr.Trim().Split('\n'));
        }

        Assert.Equal(before, NodeState());
    }

    [Fact]
    public async Task RollbackEnv_OnATerminal_ShowsFromAndTo_AnsweredNo_KeepsTheRelease()
    {
        await DeployedApp();
        File.WriteAllText(Path.Combine(App, "greeting.txt"), "v2\n");
        Assert.Equal(0, (await Cli("deploy", "--yes", "--node", "node-a", "--skip-gate")).ExitCode);
        var before = NodeState();

        var (code, output) = await OnTerminal("n", null, "rollback", "--env", user);

        Assert.True(code == 1, output);
        Assert.Contains($"~ {user}: release ", output, StringComparison.Ordinal);
        Assert.Contains("Roll back? [y/N]", output, StringComparison.Ordinal);
        Assert.Equal(before, NodeState());
    }

    [Fact]
    public async Task Verify_OnePassingOneFailingCheck_TableAndExitOne_ThenAStoppedAppFailsItsHealthCheck()
    {
        await DeployedApp("    deploymentVerification:\n      - { path: /health, expectStatus: \"200\" }\n");
        File.WriteAllText(Manifest, File.ReadAllText(Manifest) + "      - { path: /health, bodyRegex: \"^never matches$\" }\n");
        Assert.Equal(0, (await Cli("plan")).ExitCode);

        var mixed = await Cli("verify", "--env", user, "--format", "json");

        Assert.Equal(1, mixed.ExitCode);
        var checks = System.Text.Json.Nodes.JsonNode.Parse(mixed.Stdout)!["checks"]!.AsArray();
        Assert.Equal(3, checks.Count);
        Assert.True(checks.Single(c => c!["check"]!.GetValue<string>() == "health /health")!["ok"]!.GetValue<bool>());
        Assert.Equal(1, checks.Count(c => c!["check"]!.GetValue<string>().StartsWith("verify ", StringComparison.Ordinal) && c["ok"]!.GetValue<bool>()));
        Assert.Contains(checks, c => !c!["ok"]!.GetValue<bool>() && c["detail"]!.GetValue<string>().Contains("body does not match", StringComparison.Ordinal));

        File.WriteAllText(Manifest, File.ReadAllText(Manifest).Replace("      - { path: /health, bodyRegex: \"^never matches$\" }\n", "", StringComparison.Ordinal));
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        var passing = await Cli("verify", "--env", user);
        Assert.True(passing.ExitCode == 0, passing.Stdout + passing.Stderr);

        testbed.Ssh("node-a", $"sudo -n systemctl stop 'hostenv-{user}-app@*.service'");
        var stopped = await Cli("verify", "--node", "node-a", "--env", user);
        Assert.Equal(1, stopped.ExitCode);
        Assert.Contains("health /health", stopped.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAILED", stopped.Stdout, StringComparison.Ordinal);
        Assert.Contains("is inactive", stopped.Stdout, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (user.Length > 0)
        {
            testbed.Ssh("node-a", $"sudo -n rm -rf /etc/hostenv/overrides/{user}");
        }

        File.Delete(Provider.Nodes.Apply.DeployJournal.PathFor(repo.Path));
        repo.Dispose();
    }
}
