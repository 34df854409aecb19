namespace Provider.Cli.Tests.Support;

public static class RepoPaths
{
    /// <summary>The checkout's root: the directory holding Provider.sln, found from the test binary upwards.</summary>
    public static string Root { get; } = FindRoot();

    public static string Golden => Path.Combine(Root, "tests", "golden");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Provider.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Provider.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A scratch directory removed after the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hp-test-" + Guid.NewGuid().ToString("N")[..12]);

    public static TempDir CopyOf(string source)
    {
        var temp = new TempDir();
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(temp.Path, System.IO.Path.GetRelativePath(source, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return temp;
    }

    /// <summary>Every file's bytes, by relative path: to prove a failed run wrote nothing.</summary>
    public SortedDictionary<string, string> Snapshot() => new(
        Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories)
            .ToDictionary(f => System.IO.Path.GetRelativePath(Path, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))),
        StringComparer.Ordinal);

    public void Dispose()
    {
        try
        {
            // Under scripts/test the repo moves to where scripts/canary-scan reads it (plans, state, logs a test left).
            if (TestCanary.KeepDir is { } keep)
            {
                Directory.CreateDirectory(keep);
                Directory.Move(Path, System.IO.Path.Combine(keep, System.IO.Path.GetFileName(Path)));
                return;
            }

            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
