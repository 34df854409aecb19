using System.Diagnostics;

namespace Provider.Cli.Tests.Support;

/// <summary>A real git repository in a temp dir, driven with the git command.</summary>
public sealed class GitRepo : IDisposable
{
    private readonly TempDir dir = new();

    public GitRepo()
    {
        Run("init", "--quiet", "--initial-branch=main");
        Run("config", "user.email", "t@example.test");
        Run("config", "user.name", "test");
    }

    public string Path => dir.Path;

    public string Url => "file://" + dir.Path;

    public string Commit(string relativePath, string content, string message = "change")
    {
        var full = System.IO.Path.Combine(dir.Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        Run("add", "-A");
        Run("commit", "--quiet", "-m", message);
        return Run("rev-parse", "HEAD").Trim();
    }

    public string Run(params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"git {string.Join(' ', args)} failed: {stderr}");
        return stdout;
    }

    public void Dispose() => dir.Dispose();
}
