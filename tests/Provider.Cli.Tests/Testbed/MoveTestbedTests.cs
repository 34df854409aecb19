using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Nodes.Apply;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// An environment the plan moves from node-a to node-b carries its data (DESIGN §12): the files its user wrote on node-a
/// arrive on node-b with the same bytes, owner, mode, times and links; node-b serves; node-a no longer runs it. A
/// move killed between its two copies finishes with --resume; a release that fails its health check on node-b leaves
/// node-a serving.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class MoveTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    private TestbedProject? project;

    private const string OnNodeA = """
          main:
            type: production
            node: node-a
            virtualHosts:
              VHOST: { enableLetsEncrypt: false }
            app: { run: "./server", healthCheck: { path: /health, deadlineSeconds: 8 }, data: [var/db] }
        """;

    /// <summary>What the app "wrote" (as its own user): files of several kinds in all three data paths.</summary>
    private const string WriteData = """
        set -e; cd "$HOME"; mkdir -p .local/share/app/sub .local/state var/db
        head -c 300000 /dev/urandom > .local/share/app/blob
        printf 'hello\n' > .local/share/app/sub/note.txt; chmod 0640 .local/share/app/sub/note.txt
        ln -sfn sub/note.txt .local/share/app/link; touch -h -d '2024-02-03 04:05:06.123456789' .local/share/app/link
        printf 'state\n' > .local/state/app.state
        printf 'db v1\n' > var/db/data.db; touch -d '2023-01-01 00:00:00.5' var/db/data.db
        """;

    private TestbedProject Project([System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        project = new TestbedProject(testbed, "mv" + (uint)test.GetHashCode(StringComparison.Ordinal) % 100000, TestbedUids.Block(testbed)).Write(OnNodeA);
        return project;
    }

    private static string User(TestbedProject p) => ((JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(p.Repo.Path, "generated", "plan.json")))!["environments"]!)
        .Select(e => e.Key).Single(k => k.StartsWith(p.Project + "-main-", StringComparison.Ordinal));

    /// <summary>Every entry of the data paths with type, mode, owner, mtime (ns), size and link target, plus each file's sha256.</summary>
    private string Listing(string node, string user) => testbed.Ssh(node,
        $"sudo -n sh -c 'cd /home/{user} && {{ find .local/share .local/state var/db ! -type d -printf \"%y %m %u %g %T@ %s %p %l\\n\"; " +
        "find .local/share .local/state var/db -type d -printf \"%y %m %u %g %T@ %p\\n\"; find .local/share .local/state var/db -type f -exec sha256sum {} +; } | LC_ALL=C sort'");

    private static async Task MoveToNodeB(TestbedProject p)
    {
        var manifest = Path.Combine(p.App, ".hostenv", "hostenv.yaml");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("node: node-a", "node: node-b", StringComparison.Ordinal));
        var plan = await p.Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var env = JsonNode.Parse(File.ReadAllText(Path.Combine(p.Repo.Path, "generated", "plan.json")))!["environments"]![User(p)]!;
        Assert.Equal("node-b", env["node"]!.GetValue<string>());
        Assert.Equal("node-a", env["previousNode"]!.GetValue<string>());
    }

    private async Task<string> DeployOnNodeAWithData(TestbedProject p)
    {
        var first = await p.PlanAndDeploy("node-a");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var user = User(p);
        testbed.Ssh("node-a", $"sudo -n -u {user} sh -c {Provider.Nodes.Ssh.ShellQuote.Arg(WriteData)}");
        Assert.StartsWith("v1 from ", p.Get("node-a"), StringComparison.Ordinal);
        return user;
    }

    private bool Active(string node, string user) =>
        testbed.Ssh(node, $"systemctl is-active hostenv-{user}-app@a.service hostenv-{user}-app@b.service").Split('\n').Contains("active");

    [Fact]
    public async Task MovedEnvironment_DataArrivesByteIdentical_ServesOnNodeB_NodeANoLongerRunsIt()
    {
        var p = Project();
        var user = await DeployOnNodeAWithData(p);
        var before = Listing("node-a", user);
        Assert.Contains(".local/share/app/blob", before, StringComparison.Ordinal);
        Assert.Contains("var/db/data.db", before, StringComparison.Ordinal);
        await MoveToNodeB(p);

        var dry = await p.Cli("deploy", "--dry-run", "--skip-gate");
        Assert.True(dry.ExitCode == 2, dry.Stdout + dry.Stderr);
        Assert.Contains($"> {user} moves here from node-a: 4 file(s), ", dry.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("v1 from ", p.Get("node-a"), StringComparison.Ordinal); // the dry run touched nothing

        var moved = await p.Cli("deploy", "--yes", "--skip-gate");
        Assert.True(moved.ExitCode == 0, moved.Stdout + moved.Stderr);
        Assert.Contains("first copy from node-a while it still serves", moved.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"sha256 of all 4 file\(s\) \(\S+ \S+\) match on both nodes", moved.Stderr);
        Assert.Matches($@"{user}: moved from node-a; unavailable for \d+\.\d s", moved.Stderr);

        Assert.Equal(before, Listing("node-b", user));
        Assert.StartsWith("v1 from ", p.Get("node-b"), StringComparison.Ordinal);
        Assert.DoesNotContain("v1 from", p.Get("node-a"), StringComparison.Ordinal);
        Assert.False(Active("node-a", user), "the app still runs on node-a");
        Assert.Equal("gone", testbed.Ssh("node-a", $"sudo -n sh -c 'test -e /home/{user}/.local/share || test -e /home/{user}/var/db || test -e /home/{user}/releases || echo gone'").Trim());

        var history = await p.Cli("history", "--env", $"{p.Project}/main", "--format", "json");
        Assert.True(history.ExitCode == 0, history.Stderr);
        Assert.Contains("moved-from-node-a", history.Stdout, StringComparison.Ordinal);

        // Done is done: the plan still names node-a as previousNode, but nothing moves again.
        var again = await p.Cli("deploy", "--yes", "--skip-gate");
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.DoesNotContain("moves here", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("is current and serving: nothing to do", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MoveKilledBetweenItsCopies_NodeAStoppedNothingLost_ResumeFinishesIt()
    {
        var p = Project();
        var user = await DeployOnNodeAWithData(p);
        var before = Listing("node-a", user);
        await MoveToNodeB(p);

        var killed = CliProcess.Run(["--dir", p.Repo.Path, "--identity", testbed.SshKey, "deploy", "--yes", "--skip-gate"],
            new Dictionary<string, string> { [FaultInjection.FaultVariable] = "kill@move-stopped" }, timeoutMs: 300_000);
        Assert.True(killed.ExitCode == 137, $"exit {killed.ExitCode}, expected SIGKILL (137):\n{killed.Stderr}");
        Assert.Equal("move-stopped", DeployJournal.Load(p.Repo.Path)!.LastStep("node-a", user));
        Assert.False(Active("node-a", user), "the move had stopped the app on node-a before the kill");
        Assert.Equal(before, Listing("node-a", user)); // the data there is untouched

        var resumed = await p.Cli("deploy", "--yes", "--skip-gate", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Contains("the interrupted move had stopped it on node-a", resumed.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Listing("node-b", user));
        Assert.StartsWith("v1 from ", p.Get("node-b"), StringComparison.Ordinal);
        Assert.False(Active("node-a", user), "the app runs on node-a again");
        Assert.True(DeployJournal.Load(p.Repo.Path)!.Complete);
    }

    [Fact]
    public async Task MoveWhoseReleaseFailsItsHealthCheckOnNodeB_NodeAServesAgain_Exit1_ThenAFixedReleaseMoves()
    {
        var p = Project();
        var user = await DeployOnNodeAWithData(p);
        var before = Listing("node-a", user);
        await MoveToNodeB(p);
        File.WriteAllText(Path.Combine(p.App, "unhealthy"), ""); // node-b gets a release whose /health answers 500
        Assert.Equal(0, (await p.Cli("plan")).ExitCode);

        var failed = await p.Cli("deploy", "--yes", "--skip-gate");
        Assert.True(failed.ExitCode == 1, failed.Stdout + failed.Stderr);
        Assert.Contains("health check failed", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains($"node-a serves {user} again", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains("system stage not applied: this node still serves", failed.Stdout, StringComparison.Ordinal); // the node table
        Assert.DoesNotContain("   at ", failed.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("v1 from ", p.Get("node-a"), StringComparison.Ordinal);
        Assert.True(Active("node-a", user), "node-a does not run the app again");
        Assert.Equal(before, Listing("node-a", user));

        File.Delete(Path.Combine(p.App, "unhealthy"));
        Assert.Equal(0, (await p.Cli("plan")).ExitCode);
        var fixedMove = await p.Cli("deploy", "--yes", "--skip-gate", "--keep-old");
        Assert.True(fixedMove.ExitCode == 0, fixedMove.Stdout + fixedMove.Stderr);
        Assert.Equal(before, Listing("node-b", user));
        Assert.StartsWith("v1 from ", p.Get("node-b"), StringComparison.Ordinal);
        Assert.False(Active("node-a", user), "the app still runs on node-a");
        Assert.Equal(before, Listing("node-a", user)); // --keep-old: stopped, not removed
    }

    public void Dispose() => project?.Dispose();
}
