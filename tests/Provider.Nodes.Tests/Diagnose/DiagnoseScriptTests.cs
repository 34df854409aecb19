using System.Diagnostics;
using Provider.Nodes.Apply;
using Provider.Nodes.Engine;

namespace Provider.Nodes.Tests.Diagnose;

/// <summary>The node-side scripts as sent pass shellcheck, and the release manifest functions work on a real tree.</summary>
public class DiagnoseScriptTests
{
    [Fact]
    public void DiagnoseScript_AsSent_IsShellcheckClean() => Shellcheck("bash", DiagnoseRun.Script);

    [Fact]
    public void ReleaseManifestScripts_AsSent_AreShellcheckClean()
    {
        Shellcheck("sh", ReleaseManifest.RecordScript);
        Shellcheck("sh", ReleaseManifest.DriftScript);
    }

    [Fact]
    public void ReleaseDrift_EditsAddsRemovesInPlace_ListsEachSortedByPath()
    {
        using var dir = new TempTree();
        var release = dir.Make("home/releases/r1");
        File.WriteAllText(Path.Combine(release, "a.txt"), "a\n");
        File.WriteAllText(Path.Combine(release, "gone.txt"), "g\n");
        Directory.CreateDirectory(Path.Combine(release, "sub dir"));
        File.WriteAllText(Path.Combine(release, "sub dir", "b.txt"), "b\n");
        Assert.Equal("", Sh(ReleaseManifest.RecordScript, dir.Make("env"), release, "r1", Path.Combine(dir.Root, "home/releases")).Trim());
        File.WriteAllText(Path.Combine(dir.Root, "env/state"), "release=r1\n");
        Assert.Equal("release r1", Drift(dir));

        File.WriteAllText(Path.Combine(release, "a.txt"), "edited\n");
        File.Delete(Path.Combine(release, "gone.txt"));
        File.WriteAllText(Path.Combine(release, "sub dir", "new.txt"), "n\n");
        // A shared directory is a symbolic link in the release: never content, never drift.
        File.CreateSymbolicLink(Path.Combine(release, "uploads"), dir.Root);
        Assert.Equal("release r1\n~ a.txt\n- gone.txt\n+ sub dir/new.txt", Drift(dir));
    }

    [Fact]
    public void ReleaseDrift_NoManifest_SaysSoInsteadOfListingEveryFile()
    {
        using var dir = new TempTree();
        File.WriteAllText(Path.Combine(dir.Make("home/releases/r0"), "a.txt"), "a\n");
        File.WriteAllText(Path.Combine(dir.Make("env"), "state"), "release=r0\n");
        Assert.Equal("release r0\n? no manifest", Drift(dir));
    }

    [Fact]
    public void RecordScript_ForgetsManifestsOfReleasesThatAreGone()
    {
        using var dir = new TempTree();
        var releases = Path.Combine(dir.Root, "home/releases");
        var env = dir.Make("env");
        Sh(ReleaseManifest.RecordScript, env, dir.Make("home/releases/r1"), "r1", releases);
        Directory.Delete(Path.Combine(releases, "r1"));
        Sh(ReleaseManifest.RecordScript, env, dir.Make("home/releases/r2"), "r2", releases);
        Assert.Equal(["r2"], Directory.GetFiles(Path.Combine(env, "manifests")).Select(Path.GetFileName));
    }

    private static string Drift(TempTree dir) => Sh(ReleaseManifest.DriftScript, Path.Combine(dir.Root, "env"), Path.Combine(dir.Root, "home")).TrimEnd('\n');

    private static string Sh(string script, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo("sh", ["-c", script, "sh", .. args]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, error);
        return output;
    }

    private static void Shellcheck(string shell, string script)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, $"#!/bin/{shell}\n" + script);
            using var p = Process.Start(new ProcessStartInfo("shellcheck", ["-s", shell, "-f", "gcc", file]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private sealed class TempTree : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("hostenv-manifest-").FullName;

        public string Make(string relative) => Directory.CreateDirectory(Path.Combine(Root, relative)).FullName;

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
