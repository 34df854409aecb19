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

[CollectionDefinition(nameof(TestbedCollection))]
public sealed class TestbedCollection : ICollectionFixture<TestbedEnvironment>;
