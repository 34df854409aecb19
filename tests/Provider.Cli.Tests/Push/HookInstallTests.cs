using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Push;

/// <summary>`hook install` on real bare repositories, and the installed hook run by a real `git push` against a Kestrel that streams fixed server-sent events.</summary>
public sealed class HookInstallTests : IDisposable
{
    private readonly TempDir bare = new();
    private readonly TempDir scratch = new();

    public HookInstallTests() => Run("git", null, null, "init", "--quiet", "--bare", "--initial-branch=main", bare.Path);

    private string HookPath => Path.Combine(bare.Path, "hooks", "post-receive");

    [Fact]
    public async Task Install_NotABareRepository_RefusedAndNothingWritten()
    {
        using var work = new GitRepo();
        var result = await CliRunner.RunAsync("hook", "install", work.Path, "--service", "http://127.0.0.1:3333");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a bare git repository", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(work.Path, "hooks", "post-receive")));
    }

    [Fact]
    public async Task Install_AnotherHookExists_RefusedUnlessForce()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HookPath)!);
        File.WriteAllText(HookPath, "#!/bin/sh\necho mine\n");

        var refused = await CliRunner.RunAsync("hook", "install", bare.Path, "--service", "http://127.0.0.1:3333");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--force", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("#!/bin/sh\necho mine\n", File.ReadAllText(HookPath));

        var forced = await CliRunner.RunAsync("hook", "install", bare.Path, "--service", "http://127.0.0.1:3333", "--force");
        Assert.True(forced.ExitCode == 0, forced.Stderr);
        Assert.Contains("hostenv-provider post-receive hook", File.ReadAllText(HookPath), StringComparison.Ordinal);

        // Our own hook is replaced without --force (a new service URL), and an identical one is left alone.
        Assert.Equal(0, (await CliRunner.RunAsync("hook", "install", bare.Path, "--service", "http://127.0.0.1:4444")).ExitCode);
        Assert.Contains("http://127.0.0.1:4444", File.ReadAllText(HookPath), StringComparison.Ordinal);
        var again = await CliRunner.RunAsync("hook", "install", bare.Path, "--service", "http://127.0.0.1:4444");
        Assert.Contains("already installed", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_BareRepository_ExecutableHookThatPassesShAndShellcheck()
    {
        var tokenFile = Path.Combine(scratch.Path, "it's a token");
        File.WriteAllText(tokenFile, "hp_x\n");
        var result = await CliRunner.RunAsync("hook", "install", bare.Path, "--service", "http://127.0.0.1:3333/", "--token-file", tokenFile);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.True(File.GetUnixFileMode(HookPath).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal(0, Run("sh", null, null, "-n", HookPath).Code);
        var shellcheck = Run("shellcheck", null, null, HookPath);
        Assert.True(shellcheck.Code == 0, shellcheck.Output);
        Assert.Contains("HOSTENV_TOKEN_FILE='" + tokenFile.Replace("'", "'\\''", StringComparison.Ordinal) + "'", File.ReadAllText(HookPath), StringComparison.Ordinal);
        Assert.DoesNotContain("hp_x", File.ReadAllText(HookPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitPush_HookStreamsTheJobsProgress_AndExitsNonZeroWhenTheDeployFailed()
    {
        var received = new List<(string Body, string Authorization)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapPost("/hooks/push", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            received.Add((await reader.ReadToEndAsync(), http.Request.Headers.Authorization.ToString()));
            http.Response.ContentType = "text/event-stream";
            foreach (var e in new[]
            {
                "retry: 2000\n\n",
                "id: 1\nevent: progress\ndata: lock update acme__shop\n\n",
                ": keepalive\n\n",
                "id: 2\nevent: progress\ndata: node-a/shop-main: deployed\ndata: second line\n\n",
                "id: 3\nevent: result\ndata: {\"state\":\"failed\",\"exitCode\":1,\"summary\":\"health check failed\"}\n\n",
            })
            {
                await http.Response.WriteAsync(e);
                await http.Response.Body.FlushAsync();
            }
        });
        await app.StartAsync();
        var service = app.Urls.First();
        var tokenFile = Path.Combine(scratch.Path, "token");
        File.WriteAllText(tokenFile, "hp_secret\n");
        Assert.Equal(0, (await CliRunner.RunAsync("hook", "install", bare.Path, "--service", service, "--token-file", tokenFile)).ExitCode);

        using var work = new GitRepo();
        var rev = work.Commit("README", "hello\n");
        work.Run("remote", "add", "origin", bare.Path);
        var push = Run("git", work.Path, null, "push", "origin", "main");

        // post-receive runs after the refs moved, so git reports the hook's output (and failure) but not a failed push.
        Assert.Contains("remote: lock update acme__shop", push.Output, StringComparison.Ordinal);
        Assert.Contains("remote: node-a/shop-main: deployed", push.Output, StringComparison.Ordinal);
        Assert.Contains("remote: second line", push.Output, StringComparison.Ordinal);
        Assert.Contains("FAILED (exit 1): health check failed", push.Output, StringComparison.Ordinal);
        var (body, authorization) = Assert.Single(received);
        Assert.Equal("Bearer hp_secret", authorization);
        var json = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        Assert.Equal(Path.GetFullPath(bare.Path), json["repository"]!.GetValue<string>());
        Assert.Equal("refs/heads/main", json["ref"]!.GetValue<string>());
        Assert.Equal(rev, json["rev"]!.GetValue<string>());

        // The hook itself exits non-zero on the failed deploy (what a wrapper or CI sees).
        var direct = Run("sh", bare.Path, $"{new string('0', 40)} {rev} refs/heads/main\n", HookPath);
        Assert.Equal(1, direct.Code);
        Assert.Equal(2, received.Count);
    }

    private static (int Code, string Output) Run(string file, string? cwd, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = cwd ?? "" };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        p.StandardInput.Write(stdin ?? "");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        var output = new StringBuilder().Append(stdout.Result).Append(stderr.Result).ToString();
        return (p.ExitCode, output);
    }

    public void Dispose()
    {
        bare.Dispose();
        scratch.Dispose();
    }
}
