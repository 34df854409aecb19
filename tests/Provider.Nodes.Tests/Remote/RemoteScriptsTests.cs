using System.Diagnostics;
using Provider.Nodes.Apply;
using Provider.Nodes.Remote;

namespace Provider.Nodes.Tests.Remote;

public class RemoteScriptsTests
{
    /// <summary>Every node script, exactly as sent (first line, path prelude, body), passes shellcheck with no exception.</summary>
    [Fact]
    public void RemoteScripts_EveryScriptAsSent_IsShellcheckClean()
    {
        var scripts = RemoteScripts.Names.Where(n => n.EndsWith(".sh", StringComparison.Ordinal)).ToList();
        Assert.True(scripts.Count >= 30, $"only {scripts.Count} scripts embedded");
        using var dir = new ScratchDir();
        var files = scripts.Select(name =>
        {
            var file = Path.Combine(dir.Path, name);
            File.WriteAllText(file, RemoteScripts.Text(name));
            return file;
        }).ToList();
        var (code, output) = Shellcheck(dir.Path, files);
        Assert.True(code == 0, output);
    }

    /// <summary>Every shell script in the repository (scripts/, benchmarks/*.sh, src/**/*.sh) passes shellcheck, as scripts/test checks.</summary>
    [Fact]
    public void RepositoryShellScripts_All_AreShellcheckClean()
    {
        var root = RepoRoot.Path;
        var files = Directory.EnumerateFiles(Path.Combine(root, "scripts"))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "benchmarks"), "*.sh"))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "src"), "*.sh", SearchOption.AllDirectories).Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("src/Provider.Nodes/Remote/env-switch.sh", files);
        var (code, output) = Shellcheck(root, files);
        Assert.True(code == 0, output);
    }

    /// <summary>The Remote directory and the embedded set are the same files: a script added but not embedded (or the reverse) fails.</summary>
    [Fact]
    public void RemoteScripts_Names_MatchTheRemoteDirectory()
    {
        var dir = Path.Combine(RepoRoot.Path, "src", "Provider.Nodes", "Remote");
        var onDisk = Directory.EnumerateFiles(dir).Select(f => Path.GetFileName(f)).Where(n => n.EndsWith(".sh", StringComparison.Ordinal) || n.EndsWith(".pl", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(onDisk, RemoteScripts.Names.ToList());
        foreach (var name in onDisk)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(dir, name)), RemoteScripts.File(name));
        }
    }

    [Fact]
    public void Text_ScriptUsingStateRoot_GetsItsAssignmentAfterTheFirstLine()
    {
        var text = RemoteScripts.Text("sys-confirm.sh");
        var lines = text.Split('\n');
        Assert.Equal("#!/bin/sh", lines[0]);
        Assert.Equal("HOSTENV_ROOT=" + GenerationHistory.Root, lines[1]);
        Assert.DoesNotContain("HOSTENV_ENVS=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/var/lib/hostenv", text[text.IndexOf('\n', lines[0].Length + 1)..], StringComparison.Ordinal);
    }

    [Fact]
    public void Text_ScriptWithoutPaths_IsTheFileAsItIs()
    {
        Assert.Equal(RemoteScripts.File("env-switch.sh"), RemoteScripts.Text("env-switch.sh"));
    }

    [Fact]
    public void Prelude_UnknownPathVariable_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => RemoteScripts.Prelude("echo \"$HOSTENV_NOWHERE/x\"\n", "test.sh"));
        Assert.Contains("HOSTENV_NOWHERE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prelude_AppVariableAssignment_IsNotAPathUse()
    {
        Assert.Equal("", RemoteScripts.Prelude("env HOSTENV_RELEASE_DIR=\"$dir\" true\n"));
    }

    [Fact]
    public void Text_UnknownScript_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => RemoteScripts.Text("no-such.sh"));
    }

    /// <summary>Node scripts name hostenv's paths through the prelude only: no .sh file under Remote/ spells one out.</summary>
    [Fact]
    public void RemoteScriptFiles_None_HardCodeHostenvPaths()
    {
        foreach (var name in RemoteScripts.Names)
        {
            var text = RemoteScripts.File(name);
            foreach (var (_, path) in RemoteScripts.Paths)
            {
                Assert.False(text.Contains(path, StringComparison.Ordinal), $"{name} spells out {path}: use its HOSTENV_* variable");
            }

            Assert.False(text.Contains("/home/", StringComparison.Ordinal), $"{name} spells out /home/: pass the home directory as an argument");
        }
    }

    private static (int Code, string Output) Shellcheck(string workingDirectory, IEnumerable<string> files)
    {
        var psi = new ProcessStartInfo("shellcheck", ["-f", "gcc", .. files]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}

internal sealed class ScratchDir : IDisposable
{
    public ScratchDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hp-scripts-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class RepoRoot
{
    /// <summary>The checkout's root: the directory holding Provider.sln, found from the test binary upwards.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Provider.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Provider.sln not found above " + AppContext.BaseDirectory);
    }
}
