using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Dns;

/// <summary>
/// plan → dns-gate → deploy on fleets of every shape, through the real commands and a real dnsmasq. The nodes are
/// unreachable on purpose (port 9 on loopback refuses): what is asserted is that deploy gets past its gate check to
/// the nodes, and that an ungated node is named with the command that fixes it. The testbed test deploys for real.
/// </summary>
public sealed class GateFleetShapeTests(DnsmasqFixture dns) : IClassFixture<DnsmasqFixture>, IDisposable
{
    private const string GateRefusal = "DNS was not checked";
    private readonly TempDir repo = new();

    private void Write(string path, string text)
    {
        var full = Path.Combine(repo.Path, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private void Fleet(string[] nodes, string? envNode)
    {
        foreach (var n in nodes)
        {
            Write($"nodes/{n}/node.yaml", "address: 127.0.0.1\nport: 9\naddresses: [10.77.0.11]\n");
        }

        Write("provider.yaml", "hostenvHostname: hosting.test\n" + (nodes.Length > 0 ? $"nodeFor: {{ default: {nodes[0]} }}\n" : "")
            + (envNode is null ? "" : "projects:\n  acme__demo: { path: demo }\n"));
        if (envNode is not null)
        {
            Write("demo/.hostenv/hostenv.yaml",
                $"organisation: acme\nproject: demo\nenvironments:\n  main:\n    type: production\n    node: {envNode}\n    virtualHosts:\n      a-match.zone.test: {{}}\n");
        }
    }

    private string Key()
    {
        var key = Path.Combine(repo.Path, ".key");
        if (!File.Exists(key))
        {
            using var p = System.Diagnostics.Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])!;
            p.WaitForExit();
        }

        return key;
    }

    private Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(["--dir", repo.Path, "--identity", Key(), .. args]);

    private async Task PlanAndGate(params string[] gateArgs)
    {
        var plan = await Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var gate = await Cli(["dns-gate", "--nameserver", dns.Endpoint, .. gateArgs]);
        Assert.True(gate.ExitCode == 0, gate.Stderr);
    }

    /// <summary>deploy --dry-run got past the gate and tried the nodes (which refuse the connection).</summary>
    private static void AssertReachedTheNodes(CliResult deploy, params string[] nodes)
    {
        Assert.DoesNotContain(GateRefusal, deploy.Stderr, StringComparison.Ordinal);
        foreach (var n in nodes)
        {
            Assert.Contains($"{n}: error:", deploy.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Deploy_TwoNodesOneEmpty_GatedByOneDnsGateRun()
    {
        Fleet(["n1", "n2"], envNode: "n1");
        await PlanAndGate();

        AssertReachedTheNodes(await Cli("deploy", "--dry-run"), "n1", "n2");
    }

    [Fact]
    public async Task Deploy_AllNodesEmpty_GatedByOneDnsGateRun()
    {
        Fleet(["n1", "n2"], envNode: null);
        await PlanAndGate();

        AssertReachedTheNodes(await Cli("deploy", "--dry-run"), "n1", "n2");
    }

    [Fact]
    public async Task Deploy_NoNodeAtAll_NothingToDeployExitsZero()
    {
        Fleet([], envNode: null);
        await PlanAndGate();

        var deploy = await Cli("deploy", "--yes", "--yes");

        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
        Assert.Contains("nothing to deploy", deploy.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_GateOfOneNode_ThenDeployOfThatNode_Passes_WhileTheOtherIsNamed()
    {
        Fleet(["n1", "n2"], envNode: "n1");
        await PlanAndGate("--node", "n2");

        AssertReachedTheNodes(await Cli("deploy", "--dry-run", "--node", "n2"), "n2");
        var all = await Cli("deploy", "--dry-run");
        Assert.Equal(1, all.ExitCode);
        Assert.Contains(GateRefusal + " for what n1 now serves", all.Stderr, StringComparison.Ordinal);
        Assert.Contains("`hostenv-provider dns-gate --node n1`", all.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_EnvironmentMovedToTheEmptyNode_RefusedUntilGated_ThenPasses()
    {
        Fleet(["n1", "n2"], envNode: "n1");
        await PlanAndGate();
        Fleet(["n1", "n2"], envNode: "n2");
        Assert.Equal(0, (await Cli("plan")).ExitCode);

        var refused = await Cli("deploy", "--dry-run");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(GateRefusal + " for what n1, n2 now serve", refused.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await Cli("dns-gate", "--nameserver", dns.Endpoint)).ExitCode);
        AssertReachedTheNodes(await Cli("deploy", "--dry-run"), "n1", "n2");
    }

    [Fact]
    public async Task Deploy_ReplanWithoutVhostChange_StaysGated()
    {
        Fleet(["n1", "n2"], envNode: "n1");
        await PlanAndGate();
        Write("demo/.hostenv/hostenv.yaml", File.ReadAllText(Path.Combine(repo.Path, "demo/.hostenv/hostenv.yaml")) + "    resources: { memoryMax: 512M }\n");
        Assert.Equal(0, (await Cli("plan")).ExitCode);

        AssertReachedTheNodes(await Cli("deploy", "--dry-run"), "n1", "n2");
    }

    public void Dispose() => repo.Dispose();
}
