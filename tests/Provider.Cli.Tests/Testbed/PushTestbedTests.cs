using System.Diagnostics;
using System.Text;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// Push-to-deploy on the real testbed: a project whose git source is a bare repository with `hook install`ed, serve
/// with a deploy token; a commit pushed with `git push` prints the push job's progress (lock update, plan, dns-gate,
/// deploy), the new release serves on node-a, and the provider repo has a commit by hostenv-provider naming the job.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class PushTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    private readonly TempDir data = new();
    private readonly TempDir bare = new();

    private const string App = """
          main:
            type: production
            node: node-a
            virtualHosts:
              VHOST: { enableLetsEncrypt: false }
            app: { run: "./server", healthCheck: { path: /health, deadlineSeconds: 8 } }
        """;

    [Fact]
    public async Task GitPush_IntoABareRepoWithTheHook_DeploysTheCommitShowsProgressAndCommitsTheProviderRepo()
    {
        using var project = new TestbedProject(testbed, "pu" + Environment.ProcessId % 10000, TestbedUids.Block(testbed)).Write(App, greeting: "first");
        var projectName = "acme__" + project.Project;

        // The app moves from the provider repo (path source) into its own repository, pushed to a bare one.
        Git(null, "init", "--quiet", "--bare", "--initial-branch=main", bare.Path);
        using var work = new GitRepo();
        CopyTree(project.App, work.Path);
        work.Run("add", "-A");
        work.Run("commit", "--quiet", "-m", "first");
        work.Run("remote", "add", "origin", bare.Path);
        Assert.Equal(0, Git(work.Path, "push", "--quiet", "origin", "main").Code);
        var provider = Path.Combine(project.Repo.Path, "provider.yaml");
        File.WriteAllText(provider, File.ReadAllText(provider).Replace($"{projectName}: {{ path: app }}", $"{projectName}: {{ git: \"{bare.Path}\", ref: main }}", StringComparison.Ordinal));
        Assert.Equal(0, (await project.Cli("lock", "update")).ExitCode);
        Assert.Equal(0, (await project.Cli("plan")).ExitCode);

        // The provider repo is a git repository the service commits to.
        Git(project.Repo.Path, "init", "--quiet", "--initial-branch=main");
        Git(project.Repo.Path, "-c", "user.name=test", "-c", "user.email=t@example.test", "add", "-A");
        Assert.Equal(0, Git(project.Repo.Path, "-c", "user.name=test", "-c", "user.email=t@example.test", "commit", "--quiet", "-m", "provider").Code);

        var db = Path.Combine(data.Path, "service.db");
        var created = await project.Cli("token", "create", "pusher", "--scope", "deploy", "--db", db);
        Assert.True(created.ExitCode == 0, created.Stderr);
        var tokenFile = Path.Combine(data.Path, "token");
        File.WriteAllText(tokenFile, created.Stdout.Trim() + "\n");
        await using var serve = InProcessServe.Start("--dir", project.Repo.Path, "--identity", testbed.SshKey, "serve", "--db", db, "--interval", "30s");
        await serve.WaitListeningAsync();

        var installed = await CliRunner.RunAsync("hook", "install", bare.Path, "--service", serve.Address.ToString(), "--token-file", tokenFile);
        Assert.True(installed.ExitCode == 0, installed.Stderr);

        File.WriteAllText(Path.Combine(work.Path, "greeting.txt"), "pushed\n");
        var rev = work.Commit("greeting.txt", "pushed\n", "say pushed");
        var push = Git(work.Path, "push", "origin", "main");

        Assert.True(push.Code == 0, push.Output);
        Assert.Contains($"remote: lock update {projectName}", push.Output, StringComparison.Ordinal);
        Assert.Contains("remote: plan", push.Output, StringComparison.Ordinal);
        Assert.Contains("remote: dns-gate --node node-a", push.Output, StringComparison.Ordinal);
        Assert.Contains("remote: hostenv: done", push.Output, StringComparison.Ordinal);
        Assert.Contains("pushed from", project.Get("node-a"), StringComparison.Ordinal);

        var log = Git(project.Repo.Path, "log", "-1", "--format=%an <%ae>%n%s").Output;
        Assert.StartsWith("hostenv-provider <serve@", log, StringComparison.Ordinal);
        Assert.Contains($"push {projectName} refs/heads/main → {rev[..12]} (job ", log, StringComparison.Ordinal);
        Assert.Contains(rev, File.ReadAllText(Path.Combine(project.Repo.Path, "provider.lock")), StringComparison.Ordinal);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static (int Code, string Output) Git(string? cwd, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd ?? "" };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start git");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, new StringBuilder().Append(stdout.Result).Append(stderr.Result).ToString());
    }

    public void Dispose()
    {
        data.Dispose();
        bare.Dispose();
    }
}
