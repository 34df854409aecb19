using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>Git project sources against real repositories: pins, lock update, vanished commits, unreachable URLs.</summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class GitSourceTests : IDisposable
{
    private const string Manifest = "organisation: acme\nproject: shop\nenvironments:\n  main:\n    type: production\n    virtualHosts:\n      shop.test: {}\n";
    private readonly TempDir cache = new();
    private readonly TempDir repo = new();
    private readonly GitRepo origin = new();
    private readonly string? previousCache = Environment.GetEnvironmentVariable("HOSTENV_PROVIDER_CACHE");

    public GitSourceTests()
    {
        Environment.SetEnvironmentVariable("HOSTENV_PROVIDER_CACHE", cache.Path);
        Directory.CreateDirectory(Path.Combine(repo.Path, "nodes", "node-a"));
        File.WriteAllText(Path.Combine(repo.Path, "nodes", "node-a", "node.yaml"), "address: 10.0.0.1\n");
        WriteProvider(origin.Url);
    }

    private void WriteProvider(string url, string @ref = "main") => File.WriteAllText(Path.Combine(repo.Path, "provider.yaml"),
        $"hostenvHostname: hosting.test\nnodeFor: {{ default: node-a }}\nprojects:\n  acme__shop: {{ git: \"{url}\", ref: {@ref}, dir: .hostenv }}\n");

    private string LockPath => Path.Combine(repo.Path, "provider.lock");

    private JsonNode Plan() => JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!;

    [Fact]
    public async Task Plan_GitSourceWithoutLock_SaysToRunLockUpdate()
    {
        origin.Commit(".hostenv/hostenv.yaml", Manifest);
        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error HP1007 [projects.acme__shop.git]", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("hostenv-provider lock update acme__shop", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(repo.Path, "generated")));
    }

    [Fact]
    public async Task LockUpdate_ThenPlan_ReadsManifestAtPinnedCommitOnly()
    {
        var first = origin.Commit(".hostenv/hostenv.yaml", Manifest);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "lock", "update")).ExitCode);
        var lockJson = JsonNode.Parse(File.ReadAllText(LockPath))!;
        Assert.Equal(first, lockJson["projects"]!["acme__shop"]!["rev"]!.GetValue<string>());
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        Assert.Equal(first, Plan()["environments"]!["shop-main-4f7240c"]!["source"]!["rev"]!.GetValue<string>());

        // Upstream moves on: plan never moves the pin, so the same provider commit plans the same bytes.
        var second = origin.Commit(".hostenv/hostenv.yaml", Manifest.Replace("shop.test", "store.test", StringComparison.Ordinal));
        var lockBefore = File.ReadAllText(LockPath);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan", "--check")).ExitCode);
        Assert.Equal(lockBefore, File.ReadAllText(LockPath));

        var update = await CliRunner.RunAsync("--dir", repo.Path, "lock", "update", "acme__shop");
        Assert.Equal(0, update.ExitCode);
        Assert.Contains($"{first[..12]} → {second[..12]}", update.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, (await CliRunner.RunAsync("--dir", repo.Path, "plan", "--check")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        Assert.Contains("store.test", Plan()["environments"]!["shop-main-4f7240c"]!["virtualHosts"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LockUpdate_UnreachableSource_FailsAndLeavesLockUntouched()
    {
        origin.Commit(".hostenv/hostenv.yaml", Manifest);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "lock", "update")).ExitCode);
        var before = File.ReadAllText(LockPath);
        WriteProvider("file:///nonexistent/hostenv-test-repo.git");

        var result = await CliRunner.RunAsync("--dir", repo.Path, "lock", "update");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HP1013", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(LockPath));
    }

    [Fact]
    public async Task Plan_ProviderChangedSinceLock_IsStale()
    {
        origin.Commit(".hostenv/hostenv.yaml", Manifest);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "lock", "update")).ExitCode);
        WriteProvider(origin.Url, "release");
        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HP1012", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_LockedCommitVanished_ExplainsAndWritesNothing()
    {
        origin.Commit(".hostenv/hostenv.yaml", Manifest);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "lock", "update")).ExitCode);
        // Rewrite history upstream and drop the old commit everywhere, including our cache.
        origin.Run("checkout", "--quiet", "--orphan", "rewritten");
        origin.Commit(".hostenv/hostenv.yaml", Manifest + "# rewritten\n");
        origin.Run("branch", "-D", "main");
        origin.Run("reflog", "expire", "--expire=now", "--all");
        origin.Run("gc", "--quiet", "--prune=now");
        Directory.Delete(Path.Combine(cache.Path, "git"), recursive: true);

        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HP1013", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("is not available", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(repo.Path, "generated")));
    }

    [Fact]
    public async Task Plan_CachedManifestTampered_FailsOnHash()
    {
        origin.Commit(".hostenv/hostenv.yaml", Manifest);
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "lock", "update")).ExitCode);
        var lockJson = JsonNode.Parse(File.ReadAllText(LockPath))!;
        lockJson["projects"]!["acme__shop"]!["manifestSha256"] = new string('0', 64);
        File.WriteAllText(LockPath, lockJson.ToJsonString());
        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HP1014", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("HOSTENV_PROVIDER_CACHE", previousCache);
        cache.Dispose();
        repo.Dispose();
        origin.Dispose();
    }
}

/// <summary>Tests that change process-wide environment variables run one at a time.</summary>
[CollectionDefinition(nameof(ProcessEnvironmentCollection), DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;
