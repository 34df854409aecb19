using System.Diagnostics;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Nodes.Repository;

namespace Provider.Cli.Tests;

public sealed class StateCommandTests : IDisposable
{
    private readonly TempDir repo = new();

    public StateCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(repo.Path, "nodes", "node-a"));
        File.WriteAllText(Path.Combine(repo.Path, "nodes", "node-a", "node.yaml"), "address: 10.0.0.1\n");
        File.WriteAllText(Path.Combine(repo.Path, "provider.yaml"), "hostenvHostname: hosting.test\nnodeFor: { default: node-a }\nprojects:\n  acme__demo: { path: demo }\n");
    }

    private void Manifest(params string[] envs)
    {
        Directory.CreateDirectory(Path.Combine(repo.Path, "demo", ".hostenv"));
        File.WriteAllText(Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml"),
            "organisation: acme\nproject: demo\nenvironments:\n" + string.Concat(envs.Select(e => $"  {e}:\n    virtualHosts:\n      {e}.demo.test: {{}}\n")));
    }

    private JsonNode State() => JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "state.json")))!;

    [Fact]
    public async Task Prune_GoneEntryWithHighestUid_NextEnvironmentGetsHigherUid_AndVhostIsFree()
    {
        Manifest("a", "b");
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        var uidB = State()["demo-b-" + Provider.Planning.Identity.HostenvIdentity.Hash("acme", "demo", "b")[..7]]!["uid"]!.GetValue<int>();
        Assert.Equal(1003, uidB);

        Manifest("a"); // b is gone; its reservation (the highest UID) stays until pruned
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        var list = await CliRunner.RunAsync("--dir", repo.Path, "state", "list", "--format", "json");
        Assert.Contains("\"status\": \"gone\"", list.Stdout, StringComparison.Ordinal);

        var dry = await CliRunner.RunAsync("--dir", repo.Path, "state", "prune", "--offline");
        Assert.Equal(0, dry.ExitCode);
        Assert.Contains("- demo-b-", dry.Stdout, StringComparison.Ordinal);
        Assert.NotNull(State()["demo-b-" + Provider.Planning.Identity.HostenvIdentity.Hash("acme", "demo", "b")[..7]]);

        var pruned = await CliRunner.RunAsync("--dir", repo.Path, "state", "prune", "--offline", "--yes");
        Assert.Equal(0, pruned.ExitCode);
        Assert.Contains("--offline: not checking", pruned.Stderr, StringComparison.Ordinal);
        Assert.Equal(1003, State()["_uidHighWaterMark"]!.GetValue<int>());
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan", "--check")).ExitCode);

        // A new environment gets a UID above the pruned one, and may take the freed vhost.
        Manifest("a", "c");
        File.WriteAllText(Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml"),
            File.ReadAllText(Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml")).Replace("c.demo.test", "b.demo.test", StringComparison.Ordinal));
        var plan = await CliRunner.RunAsync("--dir", repo.Path, "plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var c = State()["demo-c-" + Provider.Planning.Identity.HostenvIdentity.Hash("acme", "demo", "c")[..7]]!;
        Assert.Equal(1004, c["uid"]!.GetValue<int>());
        Assert.Contains("b.demo.test", c["virtualHosts"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_GoneEnvironmentStillReserved_BlocksItsVhost()
    {
        Manifest("a", "b");
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        Manifest("a", "c");
        File.WriteAllText(Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml"),
            File.ReadAllText(Path.Combine(repo.Path, "demo", ".hostenv", "hostenv.yaml")).Replace("c.demo.test", "b.demo.test", StringComparison.Ordinal));
        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("HP2003", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("state prune", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_Online_WithoutReachableNodes_RefusesClearly()
    {
        Manifest("a", "b");
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan")).ExitCode);
        Manifest("a");
        var before = File.ReadAllText(Path.Combine(repo.Path, "generated", "state.json"));
        var result = await CliRunner.RunAsync("--dir", repo.Path, "state", "prune", "--yes");
        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(repo.Path, "generated", "state.json")));
    }

    [Fact]
    public async Task Plan_WhileAnotherProcessHoldsRepoLock_NamesTheHolder()
    {
        Manifest("a");
        using var held = RepoLock.Acquire(repo.Path, "test holder", TimeProvider.System);
        // fcntl locks are per process: the contender must be another process.
        var result = CliProcess.Run(["--dir", repo.Path, "plan"]);
        var err = result.Stderr;
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"locked by pid {Environment.ProcessId}", err, StringComparison.Ordinal);
        Assert.Contains("test holder", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(repo.Path, "generated")));
    }

    [Fact]
    public async Task Plan_StaleLockFromDeadProcess_IsTakenOver()
    {
        Manifest("a");
        Directory.CreateDirectory(Path.GetDirectoryName(RepoLock.PathFor(repo.Path))!);
        File.WriteAllText(RepoLock.PathFor(repo.Path), "{\"Pid\":999999,\"Host\":\"gone-host\",\"Command\":\"plan\",\"Started\":\"2026-01-01T00:00:00.0000000+00:00\"}");
        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("took over the repo lock left by pid 999999 on gone-host", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", File.ReadAllText(RepoLock.PathFor(repo.Path)));
    }

    public void Dispose() => repo.Dispose();
}
