using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>
/// tests/bad-inputs/*.case: each overlays malformed files onto a copy of the example repo. `plan` must
/// fail with exactly the stated errors (code and file:line:column; a bare file name means the tool prints that
/// error without a position, which only a missing file or a misnamed node directory may do), never crash, and
/// leave every file (generated/, provider.lock) byte-identical. A section headed `=== PATH (escaped)` holds
/// bytes: \\ \r \t \xHH (one raw byte), and \c at the end of the last line for no final line break.
/// Regenerate the corpus with tests/bad-inputs/generate.py.
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
    public void Corpus_HasAtLeastTwoHundredCases() => Assert.True(Cases().Count >= 200, $"only {Cases().Count} cases");

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

        foreach (var (path, bytes) in files)
        {
            var full = Path.Combine(repo.Path, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }

        var before = repo.Snapshot();
        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}\n{result.Stderr}");
        Assert.DoesNotContain("Unhandled exception", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        var lines = result.Stderr.TrimEnd('\n').Split('\n');
        var stray = lines.Where(l => !(l.Contains(" error HP", StringComparison.Ordinal) || l.StartsWith("  hint: ", StringComparison.Ordinal) || l.EndsWith("; nothing was written.", StringComparison.Ordinal)));
        Assert.True(!stray.Any(), "a line that is no diagnostic (did a message break across lines?):\n" + result.Stderr);
        var errors = lines.Where(l => l.Contains(": error HP", StringComparison.Ordinal)).ToList();
        foreach (var (code, where) in expects)
        {
            var expected = $"{where}: error {code}";
            var match = errors.FindIndex(l => l.StartsWith(expected + ":", StringComparison.Ordinal) || l.StartsWith(expected + " [", StringComparison.Ordinal));
            Assert.True(match >= 0, $"expected '{expected}' in:\n{result.Stderr}");
            errors.RemoveAt(match);
        }

        Assert.True(errors.Count == 0, $"errors the case does not expect:\n{string.Join('\n', errors)}\n\nall output:\n{result.Stderr}");

        Assert.Equal(before, repo.Snapshot());
    }

    private static (List<(string Code, string Where)> Expects, List<string> Deletes, List<(string Path, byte[] Bytes)> Files) Parse(string text)
    {
        var expects = new List<(string, string)>();
        var deletes = new List<string>();
        var files = new List<(string, byte[])>();
        string? current = null;
        var escaped = false;
        var body = new System.Text.StringBuilder();
        void Flush()
        {
            if (current is not null)
            {
                files.Add((current, escaped ? Unescape(body.ToString()) : System.Text.Encoding.UTF8.GetBytes(body.ToString())));
            }
        }

        foreach (var line in text.Split('\n').SkipLast(1))
        {
            if (line.StartsWith("=== ", StringComparison.Ordinal))
            {
                Flush();
                escaped = line.EndsWith(" (escaped)", StringComparison.Ordinal);
                current = escaped ? line[4..^" (escaped)".Length] : line[4..];
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

        Flush();
        return (expects, deletes, files);
    }

    /// <summary>The bytes of an escaped section: UTF-8 text with \\, \r, \t, \xHH and a final \c (no line break after it).</summary>
    private static byte[] Unescape(string text)
    {
        var bytes = new List<byte>();
        if (text.EndsWith("\\c\n", StringComparison.Ordinal))
        {
            text = text[..^3];
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                var end = char.IsHighSurrogate(text[i]) ? i + 2 : i + 1;
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(text[i..end]));
                i = end - 1;
                continue;
            }

            var e = text[++i];
            bytes.AddRange(e switch
            {
                '\\' => [(byte)'\\'],
                'r' => [(byte)'\r'],
                't' => [(byte)'\t'],
                'x' => [Convert.ToByte(text.Substring(i + 1, 2), 16)],
                _ => throw new FormatException($"unknown escape \\{e}"),
            });
            i += e == 'x' ? 2 : 0;
        }

        return [.. bytes];
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
