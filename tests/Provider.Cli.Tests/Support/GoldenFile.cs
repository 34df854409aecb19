using System.Diagnostics;

namespace Provider.Cli.Tests.Support;

/// <summary>
/// Baseline comparison: on a mismatch, writes `NAME.received.EXT` beside the expected file and fails
/// with the diff and the command that accepts it. UPDATE_GOLDEN=1 rewrites the expected files instead.
/// </summary>
public static class GoldenFile
{
    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    public static void AssertMatches(string expectedPath, string actual)
    {
        var received = ReceivedPath(expectedPath);
        if (Updating)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(expectedPath)!);
            File.WriteAllText(expectedPath, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(expectedPath) ? File.ReadAllText(expectedPath) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        var diff = expected is null ? "(no expected file yet)" : Diff(expectedPath, received);
        Assert.Fail(
            $"Golden file mismatch: {Path.GetRelativePath(RepoPaths.Root, expectedPath)}\n{diff}\n" +
            $"If the change is intended, accept it with:\n  cp {received} {expectedPath}\nor rewrite every golden file:\n  UPDATE_GOLDEN=1 scripts/test\n" +
            "and explain the change in the commit message.");
    }

    private static string ReceivedPath(string expectedPath)
    {
        var ext = Path.GetExtension(expectedPath);
        return Path.Combine(Path.GetDirectoryName(expectedPath)!, Path.GetFileNameWithoutExtension(expectedPath) + ".received" + ext);
    }

    private static string Diff(string a, string b)
    {
        using var p = Process.Start(new ProcessStartInfo("diff", ["-u", a, b]) { RedirectStandardOutput = true })!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text.Length > 8000 ? text[..8000] + "\n…" : text;
    }
}
