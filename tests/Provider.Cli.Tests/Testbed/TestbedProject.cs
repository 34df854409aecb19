using System.Diagnostics;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// A copy of the testbed's provider repo with one project of the example app (path source) and its own UID block, so
/// tests that deploy do not collide; plan/deploy through the CLI in-process and curl through a node's nginx.
/// </summary>
public sealed class TestbedProject(TestbedEnvironment testbed, string project, int uidBlock) : IDisposable
{
    /// <summary>One production environment "main" on node-a running the demo app behind VHOST (plain HTTP).</summary>
    public const string AppOnNodeA = """
          main:
            type: production
            node: node-a
            virtualHosts:
              VHOST: { enableLetsEncrypt: false }
            app: { run: "./server", healthCheck: { path: /health, deadlineSeconds: 8 } }
        """;

    public TempDir Repo { get; } = TempDir.CopyOf(testbed.ProviderRepo);

    public string Project => project;

    public string Vhost => project + ".env.hosting.test";

    public string App => Path.Combine(Repo.Path, "app");

    /// <summary>Writes the app and its manifest (VHOST in <paramref name="environments"/> becomes <see cref="Vhost"/>) and registers the project.</summary>
    public TestbedProject Write(string environments, string greeting = "v1")
    {
        Directory.CreateDirectory(Path.Combine(Repo.Path, "generated"));
        File.WriteAllText(Path.Combine(Repo.Path, "generated", "state.json"), $"{{\"_uidHighWaterMark\": {uidBlock}}}\n");
        Directory.CreateDirectory(Path.Combine(App, ".hostenv"));
        File.Copy(Path.Combine(RepoPaths.Root, "examples", "demo", "server"), Path.Combine(App, "server"), overwrite: true);
        File.WriteAllText(Path.Combine(App, "greeting.txt"), greeting + "\n");
        File.WriteAllText(Path.Combine(App, ".hostenv", "hostenv.yaml"), $"organisation: acme\nproject: {project}\nenvironments:\n" + environments.Replace("VHOST", Vhost, StringComparison.Ordinal));
        var provider = Path.Combine(Repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider).Replace("projects: {}", $"projects:\n  acme__{project}: {{ path: app }}", StringComparison.Ordinal));
        return this;
    }

    public Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(["--dir", Repo.Path, "--identity", testbed.SshKey, .. args]);

    public Task<CliResult> CliWithStdin(string stdin, params string[] args) => CliRunner.RunWithStdinAsync(stdin, ["--dir", Repo.Path, "--identity", testbed.SshKey, .. args]);

    public async Task<CliResult> PlanAndDeploy(string node)
    {
        var plan = await Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        return await Cli("deploy", "--yes", "--node", node, "--skip-gate");
    }

    /// <summary>GET http://NODE/PATH with Host: <see cref="Vhost"/>; the body ("" when nothing answered).</summary>
    public string Get(string node, string path = "/")
    {
        using var p = Process.Start(new ProcessStartInfo("curl", ["-s", "--max-time", "5", "-H", "Host: " + Vhost, $"http://{testbed.Address(node)}{path}"]) { RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    public void Dispose()
    {
        File.Delete(Provider.Nodes.Apply.DeployJournal.PathFor(Repo.Path));
        Repo.Dispose();
    }
}
