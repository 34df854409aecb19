using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provider.Cli.Tests.Support;
using Provider.Nodes.Apply;
using Provider.Planning.Render;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// One point of the fault matrix (README "Fault matrix") on the testbed's node-a: a project of the demo app deployed as
/// v1, then a v2 that changes both layers (the app's greeting and, through an nginx header on its vhost, the node's
/// generation), a fault in the middle of v2, and the checks every point makes: the node serves the old or the new
/// state and never a mix, the repo's plan and state are intact, and a re-run (or `deploy --resume`) converges to v2.
/// </summary>
public sealed partial class FaultScenario : IDisposable
{
    public const string Node = "node-a";

    private readonly TestbedEnvironment testbed;
    private readonly List<string> dnsFiles = [];
    private SortedDictionary<string, string>? repoBefore;

    public FaultScenario(TestbedEnvironment testbed, string name, string? environments = null)
    {
        this.testbed = testbed;
        Project = new TestbedProject(testbed, "fm" + (uint)name.GetHashCode(StringComparison.Ordinal) % 100000, TestbedUids.Block(testbed));
        Project.Write(environments ?? TestbedProject.AppOnNodeA);
    }

    public TestbedProject Project { get; }

    public string Repo => Project.Repo.Path;

    public string Vhost => Project.Vhost;

    /// <summary>The node's generation before v2 (after v1), and the one v2 brings.</summary>
    public string OldGeneration { get; private set; } = "";

    public string NewGeneration { get; private set; } = "";

    /// <summary>The environment's user (its name on the node).</summary>
    public string User => ((JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Repo, "generated", "plan.json")))!["environments"]!).Select(e => e.Key)
        .Single(k => k.StartsWith(Project.Project + "-main-", StringComparison.Ordinal));

    public string Manifest => Path.Combine(Project.App, ".hostenv", "hostenv.yaml");

    public async Task<CliResult> Cli(params string[] args) => await Project.Cli(args);

    /// <summary>Plans and deploys v1; it must succeed and serve.</summary>
    public async Task DeployV1()
    {
        var first = await Project.PlanAndDeploy(Node);
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.StartsWith("v1 from ", Eventually(() => Project.Get(Node), b => b.StartsWith("v1 from ", StringComparison.Ordinal)), StringComparison.Ordinal);
        OldGeneration = NodeGeneration();
    }

    /// <summary>Writes and plans v2: greeting v2 and an X-Gen header on the vhost (a new generation). Snapshots the repo.</summary>
    public async Task PrepareV2(Action? more = null)
    {
        File.WriteAllText(Path.Combine(Project.App, "greeting.txt"), "v2\n");
        var text = File.ReadAllText(Manifest);
        var edited = VhostSettings().Replace(text, m => m.Value.TrimEnd('}', ' ') + ", extraConfig: \"add_header X-Gen two always;\" }", 1);
        Assert.NotEqual(text, edited);
        File.WriteAllText(Manifest, edited);
        more?.Invoke();
        var plan = await Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var planJson = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Repo, "generated", "plan.json")))!;
        NewGeneration = NodeRenderer.Render(planJson, Node).Id;
        Assert.False(OldGeneration.EndsWith(NewGeneration, StringComparison.Ordinal), "v2 must change the node's generation");
        repoBefore = Project.Repo.Snapshot();
    }

    /// <summary>`deploy --yes --node node-a --skip-gate` as its own process (so it can be killed) with extra environment variables.</summary>
    public CliResult DeployProcess(IReadOnlyDictionary<string, string>? environment = null, params string[] extra) =>
        CliProcess.Run(["--dir", Repo, "--identity", testbed.SshKey, "deploy", "--yes", "--node", Node, "--skip-gate", .. extra], environment, timeoutMs: 300_000);

    /// <summary>
    /// Starts the same deploy as a process and calls <paramref name="onLine"/> for each progress line until it returns true
    /// (the fault is injected there); then waits for the process to end. Returns its exit code and its whole stderr.
    /// </summary>
    public async Task<(int ExitCode, string Stderr, bool Fired)> DeployAndActWhen(Func<string, bool> matches, Func<Task> act)
    {
        var psi = new ProcessStartInfo("dotnet", [CliProcess.Executable, "--dir", Repo, "--identity", testbed.SshKey, "deploy", "--yes", "--node", Node, "--skip-gate"])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = new StringBuilder();
        var fired = false;
        while (await p.StandardError.ReadLineAsync() is { } line)
        {
            stderr.AppendLine(line);
            if (!fired && matches(line))
            {
                fired = true;
                await act();
            }
        }

        if (!p.WaitForExit(300_000))
        {
            p.Kill(entireProcessTree: true);
        }

        await p.WaitForExitAsync();
        return (p.ExitCode, stderr + await stdout, fired);
    }

    /// <summary>
    /// The node serves the old state or the new one, layer by layer, never a mix: the node's `current` generation is v1's or
    /// v2's and nginx's header agrees with it; the app answers v1 or v2 from a complete release; the repo is as planned.
    /// </summary>
    public void AssertOldOrNew()
    {
        var generation = NodeGeneration();
        var isOld = generation == OldGeneration;
        var isNew = generation.EndsWith(NewGeneration, StringComparison.Ordinal);
        Assert.True(isOld || isNew, $"the node's current generation {generation} is neither v1's {OldGeneration} nor v2's {NewGeneration}");
        Assert.Equal("", Ssh($"sudo -n find /var/lib/hostenv -maxdepth 1 -name 'current*' ! -name current -printf '%f '").Trim()); // no half-made link

        // nginx serves the configuration of the current generation (a reload lands a moment later: poll).
        var header = Eventually(() => Header(), h => h.Contains("X-Gen: two", StringComparison.OrdinalIgnoreCase) == isNew);
        Assert.True(header.Contains("X-Gen: two", StringComparison.OrdinalIgnoreCase) == isNew, $"generation {(isNew ? "v2" : "v1")} is current but nginx answered:\n{header}");

        var body = Eventually(() => Project.Get(Node), b => b.StartsWith("v1 from ", StringComparison.Ordinal) || b.StartsWith("v2 from ", StringComparison.Ordinal));
        Assert.True(body.StartsWith("v1 from ", StringComparison.Ordinal) || body.StartsWith("v2 from ", StringComparison.Ordinal), $"the app answered '{body}'");
        var release = Ssh($"sudo -n readlink /home/{User}/current").Trim();
        Assert.DoesNotContain(".partial", release, StringComparison.Ordinal);
        var greeting = Ssh($"sudo -n cat /home/{User}/current/greeting.txt").Trim();
        Assert.True(greeting is "v1" or "v2", $"the current release {release} holds greeting '{greeting}'");

        AssertRepoIntact();
    }

    /// <summary>What the tool promised is still there: plan.json and state.json as planned, a readable journal.</summary>
    public void AssertRepoIntact()
    {
        if (repoBefore is { } before)
        {
            Assert.Equal(before, Project.Repo.Snapshot());
        }

        if (File.Exists(DeployJournal.PathFor(Repo)))
        {
            Assert.NotNull(DeployJournal.Load(Repo));
        }
    }

    /// <summary>The re-run (or `--resume`) ends on v2 everywhere, and one more deploy has nothing to do.</summary>
    public async Task AssertConverges(bool resume)
    {
        var rerun = resume ? await Cli("deploy", "--yes", "--node", Node, "--skip-gate", "--resume") : await Cli("deploy", "--yes", "--node", Node, "--skip-gate");
        Assert.True(rerun.ExitCode == 0, rerun.Stdout + rerun.Stderr);
        AssertOnV2();
        var again = await Cli("deploy", "--yes", "--node", Node, "--skip-gate");
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Contains("is current and serving: nothing to do", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("is already current: nothing to do", again.Stderr, StringComparison.Ordinal);
    }

    public void AssertOnV2()
    {
        Assert.EndsWith(NewGeneration, NodeGeneration(), StringComparison.Ordinal);
        Assert.StartsWith("v2 from ", Eventually(() => Project.Get(Node), b => b.StartsWith("v2 from ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("X-Gen: two", Eventually(() => Header(), h => h.Contains("X-Gen: two", StringComparison.OrdinalIgnoreCase)), StringComparison.OrdinalIgnoreCase);
        AssertRepoIntact();
    }

    public string NodeGeneration() => Ssh("readlink /var/lib/hostenv/current || true").Trim();

    public string Ssh(string command) => testbed.Ssh(Node, command);

    /// <summary>Runs scripts/testbed with this testbed's instance (kill/boot NODE, stop/start dns).</summary>
    public void Testbed(params string[] args) => Host(Path.Combine(RepoPaths.Root, "scripts", "testbed"), args);

    /// <summary>A host command that must succeed (ip, the testbed script); its stdout.</summary>
    public string Host(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["HOSTENV_TESTBED_INSTANCE"] = testbed.Values["HOSTENV_TESTBED_INSTANCE"];
        psi.Environment["HOSTENV_TESTBED_DIR"] = testbed.Values["HOSTENV_TESTBED_DIR"];
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {stderr.Result}");
        return output;
    }

    /// <summary>The host end of a node's veth (scripts/testbed: hpv-NODE, hpvN-NODE for instance N) and its namespace.</summary>
    public string Veth => (testbed.Values["HOSTENV_TESTBED_INSTANCE"] is "0" ? "hpv-" : $"hpv{testbed.Values["HOSTENV_TESTBED_INSTANCE"]}-") + Node;

    public string Netns => (testbed.Values["HOSTENV_TESTBED_INSTANCE"] is "0" ? "hp-" : $"hp{testbed.Values["HOSTENV_TESTBED_INSTANCE"]}-") + Node;

    /// <summary>An A record in the testbed's DNS (removed at the end).</summary>
    public void Dns(string name, string address)
    {
        var file = Path.Combine(testbed.Values["HOSTENV_TESTBED_DNS_HOSTSDIR"], name);
        File.WriteAllText(file, $"{address} {name}\n");
        dnsFiles.Add(file);
        Thread.Sleep(500); // dnsmasq re-reads hosts.d on inotify
    }

    public string Address => testbed.Address(Node);

    public string Header(string? host = null)
    {
        using var p = Process.Start(new ProcessStartInfo("curl", ["-s", "-D", "-", "-o", "/dev/null", "--max-time", "5", "-H", "Host: " + (host ?? Vhost), $"http://{Address}/"]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    /// <summary>Polls (at most 10 s) until <paramref name="done"/> holds; the last value either way.</summary>
    public static string Eventually(Func<string> probe, Func<string, bool> done)
    {
        var value = probe();
        for (var i = 0; i < 50 && !done(value); i++)
        {
            Thread.Sleep(200);
            value = probe();
        }

        return value;
    }

    [GeneratedRegex(@"\{ enableLetsEncrypt: (false|true) \}")]
    private static partial Regex VhostSettings();

    public void Dispose()
    {
        foreach (var f in dnsFiles)
        {
            File.Delete(f);
        }

        // The journal lives outside the repo: keep it beside the repo for the canary scan, or remove it.
        var journal = DeployJournal.PathFor(Repo);
        if (File.Exists(journal) && TestCanary.KeepDir is { } keep)
        {
            Directory.CreateDirectory(keep);
            File.Copy(journal, Path.Combine(keep, Path.GetFileName(Repo) + ".journal.json"), overwrite: true);
        }

        Project.Dispose();
    }
}
