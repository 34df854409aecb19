using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Monitor.Jobs;
using Provider.Monitor.Push;
using Provider.Nodes.Engine;
using Provider.Nodes.Fleet;

namespace Provider.Cli.Tests.Push;

/// <summary>
/// A push job's steps on real repositories, with the deploy step replaced (no nodes here; the testbed test deploys):
/// the new commit is pinned and planned, and the provider repo gets a commit by hostenv-provider, pushed to its origin.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class PushPipelineTests : IDisposable
{
    private readonly TempDir cache = new();
    private readonly GitRepo provider = new();
    private readonly GitRepo origin = new();
    private readonly TempDir providerOrigin = new();
    private readonly string? previousCache = Environment.GetEnvironmentVariable("HOSTENV_PROVIDER_CACHE");
    private readonly List<string> progress = [];
    private readonly List<string> deployed = [];

    public PushPipelineTests()
    {
        Environment.SetEnvironmentVariable("HOSTENV_PROVIDER_CACHE", cache.Path);
        origin.Commit(".hostenv/hostenv.yaml", PushServer.Manifest);
        Directory.CreateDirectory(Path.Combine(provider.Path, "nodes", "node-a"));
        File.WriteAllText(Path.Combine(provider.Path, "nodes", "node-a", "node.yaml"), "address: 10.0.0.1\n");
        File.WriteAllText(Path.Combine(provider.Path, "provider.yaml"),
            $"hostenvHostname: hosting.test\nnodeFor: {{ default: node-a }}\nprojects:\n  acme__shop: {{ git: \"{origin.Url}\", ref: main }}\n");
        Assert.Equal(0, CliRunner.RunAsync("--dir", provider.Path, "lock", "update").Result.ExitCode);
        Assert.Equal(0, CliRunner.RunAsync("--dir", provider.Path, "plan").Result.ExitCode);
        provider.Commit("README", "provider repo\n", "initial");
        provider.Run("init", "--quiet", "--bare", providerOrigin.Path);
        provider.Run("remote", "add", "origin", providerOrigin.Path);
        provider.Run("push", "--quiet", "origin", "main");
    }

    private string Environment0 => JsonNode.Parse(File.ReadAllText(Path.Combine(provider.Path, "generated", "plan.json")))!["environments"]!.AsObject().Single().Key;

    private Job PushJob(string rev) => new(
        7, new JobRequest(JobKind.Push, [Environment0], [], SkipGate: true, Push: new PushedRef(origin.Url, "refs/heads/main", rev, ["acme__shop"])),
        new JobOrigin("webhook:github", "webhook", null, "push refs/heads/main " + rev[..7]), ["node-a"], JobState.Running,
        DateTimeOffset.UnixEpoch, null, null, null, null, "test", false);

    private Task<(int, string)> FakeDeploy(FleetAccess fleet, IEnumerable<DeployRequest> requests, CancellationToken ct)
    {
        deployed.AddRange(requests.Select(r => r.Env ?? ""));
        Assert.Contains("store.test", fleet.PlanJson.ToJsonString(), StringComparison.Ordinal); // the deploy sees the new plan
        return Task.FromResult((0, "1 environment deployed"));
    }

    [Fact]
    public async Task Run_NewCommit_PinsPlansDeploysAndCommitsTheProviderRepoToOrigin()
    {
        var rev = origin.Commit(".hostenv/hostenv.yaml", PushServer.Manifest.Replace("shop.test", "store.test", StringComparison.Ordinal));
        var pipeline = new PushPipeline(provider.Path, null, PushOptions.Default with { AuthorHost = "box" }, progress.Add, TimeProvider.System);

        var (state, exitCode, summary) = await pipeline.RunAsync(PushJob(rev), FakeDeploy, CancellationToken.None);

        Assert.True(state == JobState.Succeeded, string.Join('\n', progress));
        Assert.Equal((0, "1 environment deployed"), (exitCode, summary));
        Assert.Equal([Environment0], deployed);
        Assert.Contains(rev, File.ReadAllText(Path.Combine(provider.Path, "provider.lock")), StringComparison.Ordinal);
        Assert.Equal("hostenv-provider <serve@box>", provider.Run("log", "-1", "--format=%an <%ae>").Trim());
        var subject = provider.Run("log", "-1", "--format=%s").Trim();
        Assert.Equal($"push acme__shop refs/heads/main → {rev[..12]} (job 7)", subject);
        Assert.Equal("", provider.Run("status", "--porcelain", "--", "provider.lock", "generated").Trim());
        Assert.Equal(provider.Run("rev-parse", "HEAD"), provider.Run("--git-dir", providerOrigin.Path, "rev-parse", "main"));
        var lines = string.Join('\n', progress);
        Assert.Contains("lock update acme__shop", lines, StringComparison.Ordinal);
        Assert.Contains("provider repo: pushed to origin", lines, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OriginRefusesThePush_AWarningNotAFailure()
    {
        var rev = origin.Commit(".hostenv/hostenv.yaml", PushServer.Manifest.Replace("shop.test", "store.test", StringComparison.Ordinal));
        provider.Run("remote", "set-url", "origin", Path.Combine(providerOrigin.Path, "missing"));

        var (state, _, _) = await new PushPipeline(provider.Path, null, PushOptions.Default, progress.Add, TimeProvider.System).RunAsync(PushJob(rev), FakeDeploy, CancellationToken.None);

        Assert.Equal(JobState.Succeeded, state);
        Assert.Contains(progress, l => l.StartsWith("warning: pushing the provider repo to origin failed", StringComparison.Ordinal));
        Assert.Contains("(job 7)", provider.Run("log", "-1", "--format=%s"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ManifestBroken_FailsAndLeavesLockAndRepoAsTheyWere()
    {
        var lockBefore = File.ReadAllText(Path.Combine(provider.Path, "provider.lock"));
        var head = provider.Run("rev-parse", "HEAD");
        var rev = origin.Commit(".hostenv/hostenv.yaml", "organisation: acme\nproject: shop\nenvironments: [not, a, map]\n");

        var (state, exitCode, _) = await new PushPipeline(provider.Path, null, PushOptions.Default, progress.Add, TimeProvider.System).RunAsync(PushJob(rev), FakeDeploy, CancellationToken.None);

        Assert.Equal((JobState.Failed, 1), (state, exitCode));
        Assert.Empty(deployed);
        Assert.Equal(lockBefore, File.ReadAllText(Path.Combine(provider.Path, "provider.lock")));
        Assert.Equal(head, provider.Run("rev-parse", "HEAD"));
    }

    [Fact]
    public async Task Run_DeployDoesNotFinish_TheNewPinsAreStillCommittedAndTheErrorReachesTheRunner()
    {
        var rev = origin.Commit(".hostenv/hostenv.yaml", PushServer.Manifest.Replace("shop.test", "store.test", StringComparison.Ordinal));
        var pipeline = new PushPipeline(provider.Path, null, PushOptions.Default, progress.Add, TimeProvider.System);

        await Assert.ThrowsAsync<OperationRefusedException>(() => pipeline.RunAsync(PushJob(rev), (_, _, _) => throw new OperationRefusedException("node-a is unreachable"), CancellationToken.None));

        Assert.Contains("did not finish: node-a is unreachable", provider.Run("log", "-1", "--format=%b"), StringComparison.Ordinal);
        Assert.Equal("", provider.Run("status", "--porcelain", "--", "provider.lock", "generated").Trim());
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("HOSTENV_PROVIDER_CACHE", previousCache);
        cache.Dispose();
        provider.Dispose();
        origin.Dispose();
        providerOrigin.Dispose();
    }
}
