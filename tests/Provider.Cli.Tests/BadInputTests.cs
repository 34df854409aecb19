using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>
/// tests/bad-inputs/*.case: each overlays malformed files onto a copy of the example repo. `plan` must
/// fail with the stated codes at the stated positions, never crash, and leave every file (generated/,
/// provider.lock) byte-identical. Regenerate the corpus with tests/bad-inputs/generate.py.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class BadInputTests : IDisposable
{
    private static readonly string[] ExampleInputs = ["provider.yaml", "nodes", "examples", "generated"];
    private readonly TempDir cache = new();
    private readonly string? previousCache = Environment.GetEnvironmentVariable("HOSTENV_PROVIDER_CACHE");

    public BadInputTests() => Environment.SetEnvironmentVariable("HOSTENV_PROVIDER_CACHE", cache.Path);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(RepoPaths.Root, "tests", "bad-inputs"), "*.case").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Fact]
    public void Corpus_HasAtLeastSixtyCases() => Assert.True(Cases().Count >= 60, $"only {Cases().Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Plan_BadInput_FailsWithCodeAndPosition_WritesNothing(string caseFile)
    {
        var (expects, deletes, files) = Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "bad-inputs", caseFile)));
        using var repo = new TempDir();
        foreach (var item in ExampleInputs)
        {
            Copy(Path.Combine(RepoPaths.Root, item), Path.Combine(repo.Path, item));
        }

        foreach (var d in deletes)
        {
            File.Delete(Path.Combine(repo.Path, d));
        }

        foreach (var (path, text) in files)
        {
            var full = Path.Combine(repo.Path, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }

        var before = repo.Snapshot();
        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}\n{result.Stderr}");
        Assert.DoesNotContain("Unhandled exception", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        var lines = result.Stderr.Split('\n');
        foreach (var (code, where) in expects)
        {
            var prefix = where.Count(c => c == ':') switch
            {
                2 => where + ": ",
                1 => where + ":",
                _ => where,
            };
            Assert.True(
                lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains($"error {code}", StringComparison.Ordinal)),
                $"expected '{prefix}… error {code}' in:\n{result.Stderr}");
        }

        Assert.Equal(before, repo.Snapshot());
    }

    private static (List<(string Code, string Where)> Expects, List<string> Deletes, List<(string Path, string Text)> Files) Parse(string text)
    {
        var expects = new List<(string, string)>();
        var deletes = new List<string>();
        var files = new List<(string, string)>();
        string? current = null;
        var body = new System.Text.StringBuilder();
        foreach (var line in text.Split('\n').SkipLast(1))
        {
            if (line.StartsWith("=== ", StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    files.Add((current, body.ToString()));
                }

                current = line[4..];
                body.Clear();
            }
            else if (current is not null)
            {
                body.Append(line).Append('\n');
            }
            else if (line.StartsWith("expect: ", StringComparison.Ordinal))
            {
                var parts = line[8..].Split(' ', 2);
                expects.Add((parts[0], parts[1]));
            }
            else if (line.StartsWith("delete: ", StringComparison.Ordinal))
            {
                deletes.Add(line[8..]);
            }
        }

        if (current is not null)
        {
            files.Add((current, body.ToString()));
        }

        return (expects, deletes, files);
    }

    private static void Copy(string source, string target)
    {
        if (File.Exists(source))
        {
            File.Copy(source, target);
            return;
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("HOSTENV_PROVIDER_CACHE", previousCache);
        cache.Dispose();
    }
}
