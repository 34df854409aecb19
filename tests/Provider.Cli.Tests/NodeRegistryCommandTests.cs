using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>`node list --offline` and `node remove` on a provider repo (no server is asked; the testbed test covers the generation column).</summary>
public sealed class NodeRegistryCommandTests : IDisposable
{
    private const string HostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    private readonly TempDir repo = new();

    public NodeRegistryCommandTests()
    {
        Write("nodes/n1/node.yaml", $"address: 10.0.0.1\nport: 2222\nhostKey: \"{HostKey}\"\naddresses: [203.0.113.1]\n");
        Write("nodes/n2/node.yaml", "address: 10.0.0.2\nuser: admin\n");
        Write("provider.yaml", "hostenvHostname: hosting.test\nnodeFor: { default: n1 }\nprojects:\n  acme__demo: { path: demo }\n");
        Manifest("n1");
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(repo.Path, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private void Manifest(string mainNode) =>
        Write("demo/.hostenv/hostenv.yaml", $"organisation: acme\nproject: demo\nenvironments:\n  main:\n    type: production\n    node: {mainNode}\n  dev:\n    type: development\n");

    private Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(["--dir", repo.Path, .. args]);

    [Fact]
    public async Task NodeList_Offline_ListsEveryNodeWithFingerprintAndPlannedEnvironments()
    {
        Assert.Equal(0, (await Cli("plan")).ExitCode);

        var result = await Cli("node", "list", "--offline", "--format", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var nodes = JsonNode.Parse(result.Stdout)!["nodes"]!.AsArray();
        Assert.Equal(["n1", "n2"], nodes.Select(n => n!["name"]!.GetValue<string>()));
        var n1 = nodes[0]!;
        Assert.Equal("10.0.0.1", n1["address"]!.GetValue<string>());
        Assert.Equal(2222, n1["port"]!.GetValue<int>());
        Assert.Equal("deploy", n1["user"]!.GetValue<string>());
        Assert.Equal("SHA256:8Wqr7sX+XvXeCgtKqqX2ZZk8HFtrdJo2dfXt8rX0BaY".Length, n1["hostKeyFingerprint"]!.GetValue<string>().Length);
        Assert.Equal(["demo-dev-cf94cf6", "demo-main-3a65ba5"], n1["environments"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Null(n1["generation"]);
        Assert.Equal("admin", nodes[1]!["user"]!.GetValue<string>());
        Assert.Null(nodes[1]!["hostKeyFingerprint"]);
        Assert.Empty(nodes[1]!["environments"]!.AsArray());
    }

    [Fact]
    public async Task NodeList_Text_FingerprintMatchesSshKeygen_AndUnpinnedIsSaid()
    {
        var pub = Path.Combine(repo.Path, "key.pub");
        File.WriteAllText(pub, HostKey + "\n");
        using var keygen = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ssh-keygen", ["-lf", pub]) { RedirectStandardOutput = true })!;
        var expected = keygen.StandardOutput.ReadToEnd().Split(' ')[1];
        keygen.WaitForExit();

        var result = await Cli("node", "list", "--offline");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected, result.Stdout, StringComparison.Ordinal);
        Assert.Contains("NOT PINNED", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("(no plan yet)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeRemove_NodeStillHostsEnvironments_RefusesNamingThem_AndKeepsTheDirectory()
    {
        Assert.Equal(0, (await Cli("plan")).ExitCode);

        var result = await Cli("node", "remove", "n1", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("environment demo-main-3a65ba5 (acme__demo/main, demo/.hostenv/hostenv.yaml) runs on it", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("environment demo-dev-cf94cf6", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("provider.yaml:2:21: error HP2001 [nodeFor.default]", result.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(repo.Path, "nodes/n1/node.yaml")));
    }

    [Fact]
    public async Task NodeRemove_UnusedNode_WithoutTerminalNeedsYes_ThenDeletesOnlyItsDirectory()
    {
        Manifest("n2");
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        Manifest("n1"); // main moves off n2: n2 is now unused
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        var plan = File.ReadAllText(Path.Combine(repo.Path, "generated/plan.json"));

        var refused = await Cli("node", "remove", "n2");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("pass --yes", refused.Stderr, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(repo.Path, "nodes/n2")));

        var removed = await Cli("node", "remove", "n2", "--yes");

        Assert.True(removed.ExitCode == 0, removed.Stderr);
        Assert.False(Directory.Exists(Path.Combine(repo.Path, "nodes/n2")));
        Assert.True(File.Exists(Path.Combine(repo.Path, "nodes/n1/node.yaml")));
        Assert.Equal(plan, File.ReadAllText(Path.Combine(repo.Path, "generated/plan.json"))); // the plan is the operator's next step
        Assert.Contains("never touches a server", removed.Stderr, StringComparison.Ordinal);
        Assert.Contains("for u in demo-main-3a65ba5; do userdel", removed.Stderr, StringComparison.Ordinal); // main ran on n2 before
        Assert.Equal(0, (await Cli("plan")).ExitCode);
        var list = JsonNode.Parse((await Cli("node", "list", "--offline", "--format", "json")).Stdout)!["nodes"]!.AsArray();
        Assert.Equal(["n1"], list.Select(n => n!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task NodeRemove_UnknownNodeOrPath_ClearError()
    {
        var unknown = await Cli("node", "remove", "nope", "--yes");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no node 'nope' in nodes/ (known: n1, n2)", unknown.Stderr, StringComparison.Ordinal);

        var traversal = await Cli("node", "remove", "../nodes/n1", "--yes");
        Assert.Equal(1, traversal.ExitCode);
        Assert.True(File.Exists(Path.Combine(repo.Path, "nodes/n1/node.yaml")));
    }

    [Fact]
    public async Task NodeRemove_BrokenInputs_RefusesWithThePositionedErrors()
    {
        Write("demo/.hostenv/hostenv.yaml", "organisation: acme\nproject: demo\nenvironments:\n  main:\n    type: prod\n");

        var result = await Cli("node", "remove", "n2", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("demo/.hostenv/hostenv.yaml:5:11: error HP1006", result.Stderr, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(repo.Path, "nodes/n2")));
    }

    public void Dispose() => repo.Dispose();
}
