using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// Secrets kept in git as age ciphertext, on the real testbed: an environment whose secrets exist only as
/// .hostenv/secrets/main.age gets them on its node (the app answers with one), and no plaintext is in plan.json,
/// state.json, the journals or the command output; ciphertext the node cannot open is refused with the rekey fix and
/// the node keeps what it had; after the environment changes node, `secrets rekey` makes it deployable there.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class EncryptedSecretsTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    private readonly TempDir keys = new();
    private readonly List<TestbedProject> projects = [];

    private string OperatorKey => Path.Combine(keys.Path, "operator.txt");

    [Fact]
    public async Task AgeOnlyEnvironment_GetsItsSecretsOnItsNode_AndNoPlaintextIsWrittenOrPrinted()
    {
        // GREETING is what the demo app answers with (and logs when it starts: its choice); API_TOKEN it only has in its environment.
        var greeting = "agept" + Guid.NewGuid().ToString("N")[..12];
        var token = "agetok" + Guid.NewGuid().ToString("N")[..12];
        var project = Project("as");
        var encrypt = await project.CliWithStdin($"# the app's secrets\nGREETING={greeting}\nAPI_TOKEN={token}\n", "secrets", "encrypt", project.Project + "/main");
        Assert.True(encrypt.ExitCode == 0, encrypt.Stderr);
        File.Delete(OperatorKey); // only the node can open it from here on

        var plan = await project.Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var deploy = await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        Assert.DoesNotContain("declared secret(s) not set", deploy.Stderr, StringComparison.Ordinal);
        Assert.StartsWith(greeting + " from ", project.Get("node-a"), StringComparison.Ordinal);

        var user = Planned(project)["userName"]!.GetValue<string>();
        Assert.Equal($"600 {user}", testbed.Ssh("node-a", $"sudo -n stat -c '%a %U' /var/lib/hostenv/secrets/{user}.age.env").Trim());
        var appToken = testbed.Ssh("node-a", $"pid=$(systemctl show -p MainPID --value {Provider.Nodes.Apply.EnvironmentStage.AppUnit(user, "a")}); " +
            "sudo -n cat /proc/$pid/environ | tr '\\0' '\\n' | grep '^API_TOKEN=' | sha256sum | cut -c1-64").Trim();
        Assert.Equal(Provider.Nodes.Secrets.EncryptedSecretsFiles.Sha256(System.Text.Encoding.UTF8.GetBytes($"API_TOKEN={token}\n")), appToken);
        var list = await project.Cli("secrets", "list", project.Project + "/main");
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        Assert.Contains("API_TOKEN", list.Stdout, StringComparison.Ordinal);

        // No plaintext: the repo (plan.json, state.json, the .age itself), the local journal, every output, the node's journal (the token:
        // the app logs its greeting itself), state, releases and logs (the binary journal is left to journalctl: this grep's own sudo line is in it).
        var output = encrypt.Stdout + encrypt.Stderr + plan.Stdout + plan.Stderr + deploy.Stdout + deploy.Stderr + list.Stdout + list.Stderr;
        foreach (var secret in new[] { greeting, token })
        {
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
            Assert.DoesNotContain(Directory.EnumerateFiles(project.Repo.Path, "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains(secret, StringComparison.Ordinal));
            var journal = Provider.Nodes.Apply.DeployJournal.PathFor(project.Repo.Path);
            Assert.True(!File.Exists(journal) || !File.ReadAllText(journal).Contains(secret, StringComparison.Ordinal));
        }

        Assert.Equal("0", testbed.Ssh("node-a", $"sudo -n journalctl --no-pager -q | grep -c {token}; true").Trim());
        Assert.Equal("", testbed.Ssh("node-a", $"sudo -n grep -rlE --exclude-dir=journal '{greeting}|{token}' /var/lib/hostenv/envs /var/lib/hostenv/generations /home/{user}/releases /var/log 2>/dev/null; true").Trim());
        Assert.Equal("", testbed.Ssh("node-a", "sudo -n ls -A /var/lib/hostenv/secrets | grep '^[.]age[.]'; true").Trim()); // no temporary file left
    }

    [Fact]
    public async Task CiphertextTheNodeCannotOpen_IsRefusedWithTheRekeyFix_AndTheNodeIsUnchanged()
    {
        var project = Project("aw");
        var env = project.Project + "/main";
        Assert.Equal(0, (await project.CliWithStdin("GREETING=first-value\n", "secrets", "encrypt", env)).ExitCode);
        Assert.Equal(0, (await project.PlanAndDeploy("node-a")).ExitCode);
        var user = Planned(project)["userName"]!.GetValue<string>();
        var before = NodeSnapshot(user);
        Assert.StartsWith("first-value from ", project.Get("node-a"), StringComparison.Ordinal);

        // Someone encrypts with plain age to themselves only, and leaves the .recipients file as it was: plan cannot tell, the node can.
        var other = Path.Combine(keys.Path, "other.txt");
        Run("age-keygen", "-o", other);
        var ageFile = Path.Combine(project.App, ".hostenv/secrets/main.age");
        Run("sh", "-c", $"printf 'GREETING=second-value\\n' | age -a -r \"$(age-keygen -y '{other}')\" -o '{ageFile}'");
        var plan = await project.Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var deploy = await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
        Assert.Equal(1, deploy.ExitCode);
        Assert.Contains($"hostenv-provider secrets rekey {user}", deploy.Stdout + deploy.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was changed for it", deploy.Stdout + deploy.Stderr, StringComparison.Ordinal);

        Assert.Equal(before, NodeSnapshot(user));
        Assert.StartsWith("first-value from ", project.Get("node-a"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentChangesNode_PlanAndDeployAskForRekey_AndAfterRekeyTheNewNodeGetsTheSecrets()
    {
        var project = Project("ar");
        var env = project.Project + "/main";
        Assert.Equal(0, (await project.CliWithStdin("GREETING=moved-value\n", "secrets", "encrypt", env)).ExitCode);
        Assert.Equal(0, (await project.Cli("plan")).ExitCode);

        var manifest = Path.Combine(project.App, ".hostenv/hostenv.yaml");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("node: node-a", "node: node-b", StringComparison.Ordinal));
        var plan = await project.Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        Assert.Contains("HP2101", plan.Stderr, StringComparison.Ordinal);
        var user = Planned(project)["userName"]!.GetValue<string>();
        var refused = await project.Cli("deploy", "--yes", "--node", "node-b", "--skip-gate");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"hostenv-provider secrets rekey {user}", refused.Stdout + refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("", testbed.Ssh("node-b", $"sudo -n ls /var/lib/hostenv/secrets/{user}.age.env 2>/dev/null; true").Trim());

        var rekey = await project.Cli("secrets", "rekey", env, "--identity-file", OperatorKey);
        Assert.True(rekey.ExitCode == 0, rekey.Stderr);
        var deploy = await project.PlanAndDeploy("node-b");
        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        Assert.StartsWith("moved-value from ", project.Get("node-b"), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var p in projects)
        {
            p.Dispose();
        }

        keys.Dispose();
    }

    /// <summary>A project on node-a declaring GREETING, with provider.yaml listing an operator's age key as a recipient.</summary>
    private TestbedProject Project(string prefix)
    {
        var project = new TestbedProject(testbed, prefix + Environment.ProcessId % 10000, TestbedUids.Block(testbed))
            .Write(TestbedProject.AppOnNodeA + "\n    secrets: [GREETING]\n");
        projects.Add(project);
        if (!File.Exists(OperatorKey))
        {
            Run("age-keygen", "-o", OperatorKey);
        }

        File.AppendAllText(Path.Combine(project.Repo.Path, "provider.yaml"), $"secrets:\n  recipients: [\"{Run("age-keygen", "-y", OperatorKey).Trim()}\"]\n");
        var plan = project.Cli("plan").GetAwaiter().GetResult();
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        return project;
    }

    private static JsonNode Planned(TestbedProject project) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(project.Repo.Path, "generated/plan.json")))!["environments"]!.AsObject()
            .Single(e => e.Value!["projectName"]!.GetValue<string>().EndsWith(project.Project, StringComparison.Ordinal)).Value!;

    /// <summary>What the node holds for the environment: its state file, its secrets file's hash and the releases.</summary>
    private string NodeSnapshot(string user) => testbed.Ssh("node-a",
        $"sudo -n cat /var/lib/hostenv/envs/{user}/state; sudo -n sha256sum /var/lib/hostenv/secrets/{user}.age.env; sudo -n ls /home/{user}/releases");

    private static string Run(string program, params string[] args) => Processes.Run(program, args);
}
