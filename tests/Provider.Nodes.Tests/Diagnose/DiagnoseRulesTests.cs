using System.Collections.Immutable;
using Provider.Nodes.Apply;
using Provider.Nodes.Engine;
using Provider.Nodes.Fleet;
using Provider.Planning.Plan;

namespace Provider.Nodes.Tests.Diagnose;

/// <summary>The findings rules on hand-made facts, with the example fleet's plan (generated/plan.json) for names and sources.</summary>
public class DiagnoseRulesTests
{
    private const string Demo = "demo-main-3a65ba5";
    private const string Ssh = "ssh -p 22 deploy@10.77.0.11";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly FleetPlan Plan = FleetAccess.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "generated", "plan.json"))).Plan;

    private static ImmutableArray<DiagnoseFinding> Evaluate(NodeFacts facts, double? skew = null, EnvironmentPlan? env = null) =>
        DiagnoseRules.Evaluate(facts with { Complete = true, StartTime = facts.StartTime ?? Now.ToUnixTimeSeconds() },
            new DiagnoseContext("node-a", Ssh, ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create(Demo, env ?? Plan.Environments[Demo])]), skew, Now));

    private static NodeFacts WithEnv(EnvironmentFacts env) => new() { Environments = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create(env.User, env)]) };

    private static EnvironmentFacts Running => new(Demo) { Release = "r1", Slot = "a", Active = "active", SubState = "running", Result = "success" };

    [Fact]
    public void Evaluate_HealthyNode_FindsNothing()
    {
        var facts = WithEnv(Running) with
        {
            MemTotalKb = 1000, MemAvailableKb = 500, NginxExit = 0, PressureAvg60 = 0.5,
            Filesystems = [new FilesystemFacts("/", 100, 50, 100, 50)],
            Certificates = [new CertificateFacts("demo.hosting.test", Now.AddDays(60).ToUnixTimeSeconds(), false)],
        };
        Assert.Empty(Evaluate(facts, skew: 0.4));
    }

    [Theory]
    [InlineData(100, 16, null)]
    [InlineData(100, 15, null)]
    [InlineData(100, 10, DiagnoseSeverity.Warning)]
    [InlineData(100, 4, DiagnoseSeverity.Error)]
    public void Evaluate_DiskUse_WarnsAbove85AndFailsAbove95(long size, long available, DiagnoseSeverity? expected)
    {
        var findings = Evaluate(new NodeFacts { Filesystems = [new FilesystemFacts("/srv", size * 1024 * 1024, available * 1024 * 1024, 0, 0)] });
        if (expected is null)
        {
            Assert.Empty(findings);
            return;
        }

        var disk = Assert.Single(findings);
        Assert.Equal((expected.Value, DiagnoseChecks.Disk), (disk.Severity, disk.Check));
        Assert.Equal($"/srv: {100 - available} % used ({available} MiB free of 100 MiB)", disk.Seen);
        Assert.Contains($"{Ssh} sudo du -xh --max-depth=2 /srv", disk.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_InodesNearlyUsedUp_IsItsOwnFinding()
    {
        var finding = Assert.Single(Evaluate(new NodeFacts { Filesystems = [new FilesystemFacts("/", 1000, 900, 1000, 30)] }));
        Assert.Equal((DiagnoseSeverity.Error, DiagnoseChecks.Inodes), (finding.Severity, finding.Check));
        Assert.Equal("/: 97 % of inodes used (30 free of 1000)", finding.Seen);
    }

    [Fact]
    public void Evaluate_MemoryLowAndUnderPressure_AreWarningsWithNumbers()
    {
        var findings = Evaluate(new NodeFacts { MemTotalKb = 8 * 1024 * 1024, MemAvailableKb = 700 * 1024, PressureAvg60 = 23.4 });
        Assert.All(findings, f => Assert.Equal((DiagnoseSeverity.Warning, DiagnoseChecks.Memory), (f.Severity, f.Check)));
        Assert.Contains(findings, f => f.Seen == "memory: 8.5 % available (700 MiB of 8 GiB)");
        Assert.Contains(findings, f => f.Seen.Contains("23.4 % of the last minute", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_OomKillsSinceLastDeploy_AreAnErrorNamingMemoryMax()
    {
        var finding = Assert.Single(Evaluate(WithEnv(Running with { OomLines = 2, LastDeploy = 1_799_990_000, Log = ["oom-kill line"] })));
        Assert.Equal((DiagnoseSeverity.Error, DiagnoseChecks.Oom, Demo), (finding.Severity, finding.Check, finding.Environment));
        Assert.StartsWith("2 journal line(s) about the OOM killer since the last deploy (2027-01-15 ", finding.Seen, StringComparison.Ordinal);
        Assert.Contains("resources.memoryMax", finding.Recommendation, StringComparison.Ordinal);
        Assert.Contains("(now 1G)", finding.Recommendation, StringComparison.Ordinal);
        Assert.Equal(["oom-kill line"], finding.Lines.ToArray());
    }

    [Fact]
    public void Evaluate_FailedUnitOfAnEnvironment_NamesTheEnvironment()
    {
        var findings = Evaluate(new NodeFacts { FailedUnits = [$"hostenv-{Demo}-app@b.service", "cron.service"] });
        Assert.Equal([Demo, null], findings.Select(f => f.Environment));
        Assert.All(findings, f => Assert.Equal(DiagnoseSeverity.Error, f.Severity));
        Assert.Contains($"{Ssh} sudo systemctl reset-failed cron.service", findings[1].Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NginxTestFails_CarriesItsOutput()
    {
        var finding = Assert.Single(Evaluate(new NodeFacts { NginxExit = 1, NginxOutput = ["nginx: [emerg] bad in /etc/nginx/conf.d/x.conf:1"] }));
        Assert.Equal(DiagnoseChecks.Nginx, finding.Check);
        Assert.Equal(["nginx: [emerg] bad in /etc/nginx/conf.d/x.conf:1"], finding.Lines.ToArray());
    }

    [Theory]
    [InlineData(30, DiagnoseSeverity.Info)]
    [InlineData(121, DiagnoseSeverity.Error)]
    public void Evaluate_NodeLock_IsStaleAfterTwoMinutesWithoutHeartbeat(long age, DiagnoseSeverity expected)
    {
        var owner = """{"User":"ci","Host":"runner","Pid":42,"Command":"deploy --node node-a","Started":"2026-11-29T18:00:00+00:00","Token":"x"}""";
        var finding = Assert.Single(Evaluate(new NodeFacts { Lock = (age, owner) }));
        Assert.Equal(expected, finding.Severity);
        Assert.Contains("ci@runner pid 42 (deploy --node node-a, since 2026-11-29T18:00:00+00:00)", finding.Seen, StringComparison.Ordinal);
        if (expected == DiagnoseSeverity.Error)
        {
            Assert.Equal("hostenv-provider deploy --node node-a --force-unlock", finding.Recommendation.Split('`')[1]);
        }
    }

    [Fact]
    public void Evaluate_LockWithUnreadableOwner_StillReportsIt() =>
        Assert.Contains("an unknown owner", Assert.Single(Evaluate(new NodeFacts { Lock = (900, "") })).Seen, StringComparison.Ordinal);

    [Theory]
    [InlineData(3.0, null)]
    [InlineData(-7.5, DiagnoseSeverity.Warning)]
    [InlineData(45.0, DiagnoseSeverity.Error)]
    public void Evaluate_ClockSkew_WarnsAbove5sAndFailsAboveNodeChecksLimit(double skew, DiagnoseSeverity? expected)
    {
        var findings = Evaluate(new NodeFacts(), skew);
        if (expected is null)
        {
            Assert.Empty(findings);
            return;
        }

        var finding = Assert.Single(findings);
        Assert.Equal((expected.Value, DiagnoseChecks.Clock), (finding.Severity, finding.Check));
        Assert.Contains(skew.ToString("+0.0;-0.0", System.Globalization.CultureInfo.InvariantCulture) + " s off", finding.Seen, StringComparison.Ordinal);
        Assert.Contains("timedatectl set-ntp true", finding.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_Certificates_PlaceholderExpiringExpiredAndMissing()
    {
        var findings = Evaluate(new NodeFacts
        {
            Certificates =
            [
                new CertificateFacts("demo.hosting.test", Now.AddYears(10).ToUnixTimeSeconds(), true),
                new CertificateFacts("www.demo.hosting.test", Now.AddDays(5).ToUnixTimeSeconds(), false),
                new CertificateFacts("old.hosting.test", Now.AddDays(-1).ToUnixTimeSeconds(), false),
                new CertificateFacts("none.hosting.test", null, false),
                new CertificateFacts("fine.hosting.test", Now.AddDays(15).ToUnixTimeSeconds(), false),
            ],
        });
        Assert.Equal(4, findings.Length);
        Assert.Contains(findings, f => f is { Severity: DiagnoseSeverity.Warning, Environment: Demo } && f.Seen.Contains("placeholder is still served", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Severity == DiagnoseSeverity.Warning && f.Seen.StartsWith("www.demo.hosting.test: the certificate expires in 5.0 days", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Severity == DiagnoseSeverity.Error && f.Seen.StartsWith("old.hosting.test: the certificate expired on", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Severity == DiagnoseSeverity.Error && f.Seen == "none.hosting.test: no readable certificate on the node");
        Assert.All(findings, f => Assert.Contains("hostenv-acme-renew.service", f.Recommendation, StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_AppStopped_IsAnErrorWithItsLogAndTheDeployCommand()
    {
        var finding = Assert.Single(Evaluate(WithEnv(Running with { Active = "inactive", SubState = "dead", Log = ["l1", "l2"] })));
        Assert.Equal((DiagnoseSeverity.Error, DiagnoseChecks.AppStopped, Demo), (finding.Severity, finding.Check, finding.Environment));
        Assert.StartsWith($"hostenv-{Demo}-app@a.service (release r1) is inactive (dead, result success)", finding.Seen, StringComparison.Ordinal);
        Assert.Contains($"`hostenv-provider deploy --env {Demo}`", finding.Recommendation, StringComparison.Ordinal);
        Assert.Equal(["l1", "l2"], finding.Lines.ToArray());
    }

    [Theory]
    [InlineData("active", 3, "success")]
    [InlineData("failed", 5, "start-limit-hit")]
    [InlineData("failed", 0, "start-limit-hit")]
    public void Evaluate_RestartLoop_ReplacesAppStopped(string active, int restarts, string result)
    {
        var finding = Assert.Single(Evaluate(WithEnv(Running with { Active = active, Restarts = restarts, Result = result, Log = ["boom"] })));
        Assert.Equal(DiagnoseChecks.RestartLoop, finding.Check);
        Assert.Contains($"restarted {restarts} time(s)", finding.Seen, StringComparison.Ordinal);
        Assert.Contains($"hostenv-provider rollback --env {Demo}", finding.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_TwoRestarts_IsNoLoop() => Assert.Empty(Evaluate(WithEnv(Running with { Restarts = 2 })));

    [Fact]
    public void Evaluate_Drift_PathSourceRecommendsPullCommitAndGitSourceAPatch()
    {
        var drifted = Running with { DriftCount = 2, Drift = [new DriftEntry('~', "a.txt"), new DriftEntry('+', "b.txt")] };
        var path = Assert.Single(Evaluate(WithEnv(drifted)));
        Assert.Equal((DiagnoseSeverity.Warning, DiagnoseChecks.Drift), (path.Severity, path.Check));
        Assert.Equal(["~ a.txt", "+ b.txt"], path.Lines.ToArray());
        Assert.Contains($"hostenv-provider pull {Demo} --commit", path.Recommendation, StringComparison.Ordinal);

        var git = Plan.Environments[Demo] with { Source = new EnvironmentSource(null, "https://git.example/acme/demo.git", "main", new string('a', 40), ".hostenv") };
        var patch = Assert.Single(Evaluate(WithEnv(drifted), env: git));
        Assert.Contains("as a patch", patch.Recommendation, StringComparison.Ordinal);
        Assert.DoesNotContain("--commit", patch.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NoManifest_IsInfoNotDrift()
    {
        var finding = Assert.Single(Evaluate(WithEnv(Running with { ManifestMissing = true })));
        Assert.Equal((DiagnoseSeverity.Info, DiagnoseChecks.Drift), (finding.Severity, finding.Check));
    }

    [Fact]
    public void Evaluate_DeclaredSecretMissing_NamesEachSecretsSet()
    {
        var env = Plan.Environments[Demo] with { Secrets = ["API_KEY", "DB_URL", "SET"] };
        var finding = Assert.Single(Evaluate(WithEnv(Running with { SecretNames = ["SET", "EXTRA"] }), env: env));
        Assert.Equal((DiagnoseSeverity.Error, "declared secret(s) not set on the node: API_KEY, DB_URL"), (finding.Severity, finding.Seen));
        Assert.Contains($"hostenv-provider secrets set {Demo} API_KEY", finding.Recommendation, StringComparison.Ordinal);
        Assert.Contains($"hostenv-provider secrets set {Demo} DB_URL", finding.Recommendation, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ReportCutOff_IsAnError()
    {
        var findings = DiagnoseRules.Evaluate(new NodeFacts(), new DiagnoseContext("node-a", Ssh, ImmutableSortedDictionary<string, EnvironmentPlan>.Empty, null, Now));
        Assert.Equal(DiagnoseChecks.Incomplete, Assert.Single(findings).Check);
    }

    [Fact]
    public void Evaluate_NotDeployed_IsInfo()
    {
        var finding = Assert.Single(Evaluate(WithEnv(new EnvironmentFacts(Demo))));
        Assert.Equal((DiagnoseSeverity.Info, DiagnoseChecks.NotDeployed), (finding.Severity, finding.Check));
    }

    private static EnvironmentPlan ComposeEnv => Plan.Environments[Demo] with
    {
        App = Plan.Environments[Demo].App! with { Run = null, Compose = new ComposePlan("compose.yaml", new string('c', 64), "web", 8080) },
    };

    private const string ImageId = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void Evaluate_ComposeLiveSlotContainerExitedOrUnhealthy_IsAnErrorNamingThem()
    {
        var facts = WithEnv(Running) with
        {
            Containers = ComposeContainers.Parse(string.Join('\n',
                $"container\t{Demo}-a\tweb\t/{Demo}-a_web_1\texited\t\thostenv/{Demo}:r1\t{ImageId}\t137",
                $"container\t{Demo}-a\tworker\t/{Demo}-a_worker_1\trunning\tunhealthy\thostenv/{Demo}:r1-worker\t{ImageId}\t0",
                $"container\t{Demo}-b\tweb\t/{Demo}-b_web_1\texited\t\thostenv/{Demo}:r0\t{ImageId}\t0")),
        };
        var finding = Assert.Single(Evaluate(facts, env: ComposeEnv));
        Assert.Equal(DiagnoseChecks.Containers, finding.Check);
        Assert.Equal(DiagnoseSeverity.Error, finding.Severity);
        Assert.Equal($"compose project {Demo}-a (release r1, the live slot): web exited (137), worker unhealthy", finding.Seen);
        Assert.Contains($"{Ssh} sudo docker start {Demo}-a_web_1 {Demo}-a_worker_1", finding.Recommendation, StringComparison.Ordinal);
        Assert.Equal([$"{Demo}-a_web_1: exited (137), health -, hostenv/{Demo}:r1 (0123456789ab)", $"{Demo}-a_worker_1: running, health unhealthy, hostenv/{Demo}:r1-worker (0123456789ab)"], finding.Lines.ToArray());
    }

    [Fact]
    public void Evaluate_ComposeLiveSlotRunningOrWithoutContainers()
    {
        var running = WithEnv(Running) with
        {
            Containers = ComposeContainers.Parse($"container\t{Demo}-a\tweb\t/w\trunning\thealthy\tx\t{ImageId}\t0\ncontainer\t{Demo}-b\tweb\t/w2\texited\t\tx\t{ImageId}\t0"),
        };
        Assert.Empty(Evaluate(running, env: ComposeEnv));
        var none = Assert.Single(Evaluate(WithEnv(Running), env: ComposeEnv));
        Assert.Equal($"compose project {Demo}-a (release r1, the live slot): no containers", none.Seen);
        // Not a compose environment: its containers (if any) are not judged here.
        Assert.Empty(Evaluate(WithEnv(Running)));
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Provider.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Provider.sln not found above " + AppContext.BaseDirectory);
    }
}
