using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Testbed;

/// <summary>node add/check/bootstrap against the testbed's real systemd-nspawn nodes.</summary>
[Collection(nameof(TestbedCollection))]
public sealed class NodeCommandTestbedTests(TestbedEnvironment testbed)
{
    private TempDir CopyProviderRepo() => TempDir.CopyOf(testbed.ProviderRepo);

    [Fact]
    public async Task NodeCheck_TestbedRepo_EveryNodeHealthy()
    {
        var result = await CliRunner.RunAsync("--dir", testbed.ProviderRepo, "--identity", testbed.SshKey, "node", "check");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        foreach (var node in testbed.Nodes)
        {
            Assert.Matches($"(?m)^{node} +{System.Text.RegularExpressions.Regex.Escape(testbed.Address(node))} +ok +Debian", result.Stdout);
        }
    }

    [Fact]
    public async Task NodeCheck_Json_ReportsChecksPerNode()
    {
        var result = await CliRunner.RunAsync("--dir", testbed.ProviderRepo, "--identity", testbed.SshKey, "node", "check", "--format", "json");
        Assert.Equal(0, result.ExitCode);
        var json = System.Text.Json.Nodes.JsonNode.Parse(result.Stdout)!;
        Assert.Equal(testbed.Nodes.Count, json["nodes"]!.AsArray().Count);
        Assert.All(json["nodes"]!.AsArray(), n => Assert.True(n!["checks"]!["sudo"]!["ok"]!.GetValue<bool>()));
        Assert.All(json["nodes"]!.AsArray(), n => Assert.StartsWith("nginx/", n!["checks"]!["nginx"]!["detail"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task NodeAdd_RecordsTheKeyTheServerPresents()
    {
        using var repo = CopyProviderRepo();
        var node = testbed.Nodes[^1];
        var original = File.ReadAllText(Path.Combine(repo.Path, "nodes", node, "node.yaml"));
        Directory.Delete(Path.Combine(repo.Path, "nodes", node), recursive: true);

        var result = await CliRunner.RunAsync("--dir", repo.Path, "node", "add", node, "--address", testbed.Address(node), "--yes");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var written = File.ReadAllText(Path.Combine(repo.Path, "nodes", node, "node.yaml"));
        var pinned = original.Split('\n').Single(l => l.StartsWith("hostKey:", StringComparison.Ordinal));
        Assert.Contains(pinned, written, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "--identity", testbed.SshKey, "node", "check", node)).ExitCode);
    }

    [Fact]
    public async Task NodeAdd_WithoutYesOffTerminal_RefusesAndWritesNothing()
    {
        using var repo = CopyProviderRepo();
        var result = await CliRunner.RunAsync("--dir", repo.Path, "node", "add", "extra", "--address", testbed.Address(testbed.Nodes[0]));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--yes", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(repo.Path, "nodes", "extra")));
    }

    [Fact]
    public async Task NodeCheck_WrongPinnedHostKey_RefusedWithBothFingerprints()
    {
        using var repo = CopyProviderRepo();
        var a = testbed.Nodes[0];
        var other = testbed.Nodes.Count > 1 ? testbed.Nodes[1] : throw new InvalidOperationException("needs two nodes");
        var otherKey = File.ReadAllLines(Path.Combine(repo.Path, "nodes", other, "node.yaml")).Single(l => l.StartsWith("hostKey:", StringComparison.Ordinal));
        var path = Path.Combine(repo.Path, "nodes", a, "node.yaml");
        File.WriteAllLines(path, File.ReadAllLines(path).Select(l => l.StartsWith("hostKey:", StringComparison.Ordinal) ? otherKey : l));

        var result = await CliRunner.RunAsync("--dir", repo.Path, "--identity", testbed.SshKey, "node", "check", a);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not match node.yaml: expected SHA256:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("the server presented SHA256:", result.Stderr, StringComparison.Ordinal);

        // deploy and its dry run refuse the node the same way, and say so (the dry run once exited 1 silently).
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        foreach (var dryRun in new[] { true, false })
        {
            var deploy = await CliRunner.RunAsync(["--dir", repo.Path, "--identity", testbed.SshKey, "deploy", "--yes", "--node", a, "--skip-gate", .. dryRun ? new[] { "--dry-run" } : []]);
            Assert.True(deploy.ExitCode == 1, deploy.Stdout + deploy.Stderr);
            Assert.Contains("does not match node.yaml: expected SHA256:", deploy.Stdout + deploy.Stderr, StringComparison.Ordinal);
        }

        // history still lists what the other node has, names the refused one, and exits 1.
        var history = await CliRunner.RunAsync("--dir", repo.Path, "--identity", testbed.SshKey, "history", "--format", "json");
        Assert.True(history.ExitCode == 1, history.Stdout + history.Stderr);
        Assert.Contains($"error: {a}: history not read: host key of node '{a}' does not match", history.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain($"{other}: history not read", history.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(System.Text.Json.Nodes.JsonNode.Parse(history.Stdout)!.AsArray(), e => e!["node"]!.GetValue<string>() == a);
    }

    [Fact]
    public async Task NodeBootstrap_SecondRun_ChangesNothing()
    {
        var node = testbed.Nodes[0];
        var first = await CliRunner.RunAsync("--dir", testbed.ProviderRepo, "--identity", testbed.SshKey, "node", "bootstrap", node);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var second = await CliRunner.RunAsync("--dir", testbed.ProviderRepo, "--identity", testbed.SshKey, "node", "bootstrap", node);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("nothing to change; already bootstrapped", second.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("changed ", second.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>The node lock between two processes: this test process holds it, a child hostenv-provider contends.</summary>
[Collection(nameof(TestbedCollection))]
public sealed class NodeLockTestbedTests(TestbedEnvironment testbed)
{
    [Fact]
    public async Task Bootstrap_WhileAnotherProcessHoldsNodeLock_NamesHolder_ForceUnlockTakesOver()
    {
        var node = testbed.Nodes[0];
        var config = File.ReadAllLines(Path.Combine(testbed.ProviderRepo, "nodes", node, "node.yaml"));
        var hostKey = config.Single(l => l.StartsWith("hostKey:", StringComparison.Ordinal))["hostKey:".Length..].Trim().Trim('"');
        var target = new Provider.Nodes.Ssh.SshTarget(node, testbed.Address(node), 22, "deploy", hostKey);
        await using var session = await Provider.Nodes.Ssh.SshNodeSession.ConnectAsync(target, testbed.SshKey, CancellationToken.None);
        var held = await Provider.Nodes.Locking.NodeLock.AcquireAsync(session,
            Provider.Nodes.Locking.NodeLockOwner.ForThisProcess("test holder", TimeProvider.System), Provider.Nodes.Locking.NodeLockOptions.Default, CancellationToken.None);
        try
        {
            var contender = RunCli("--dir", testbed.ProviderRepo, "--identity", testbed.SshKey, "node", "bootstrap", node);
            Assert.Equal(1, contender.ExitCode);
            Assert.Contains($"node '{node}' is locked by", contender.Stderr, StringComparison.Ordinal);
            Assert.Contains("test holder", contender.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", contender.Stderr, StringComparison.Ordinal);

            var forced = RunCli("--dir", testbed.ProviderRepo, "--identity", testbed.SshKey, "node", "bootstrap", node, "--force-unlock");
            Assert.True(forced.ExitCode == 0, forced.Stderr);
            Assert.Contains("removed the lock held by", forced.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await held.DisposeAsync(); // must not remove the lock of whoever holds it now (nobody: bootstrap released its own)
        }

        var after = RunCli("--dir", testbed.ProviderRepo, "--identity", testbed.SshKey, "node", "bootstrap", node);
        Assert.True(after.ExitCode == 0, "the lock was not released: " + after.Stderr);
    }

    private static CliResult RunCli(params string[] args) => CliProcess.Run(args);
}

[CollectionDefinition(nameof(TestbedCollection))]
public sealed class TestbedCollection : ICollectionFixture<TestbedEnvironment>;
