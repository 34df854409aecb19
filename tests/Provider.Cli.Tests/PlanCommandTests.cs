using System.Diagnostics;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

public class PlanCommandTests
{
    private static readonly string[] ExampleInputs = ["provider.yaml", "nodes", "examples", "generated"];

    /// <summary>A scratch copy of the example provider repo's inputs and generated/.</summary>
    internal static TempDir CopyExampleRepo()
    {
        var temp = new TempDir();
        foreach (var item in ExampleInputs)
        {
            var source = Path.Combine(RepoPaths.Root, item);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(temp.Path, item));
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(temp.Path, Path.GetRelativePath(RepoPaths.Root, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        return temp;
    }

    [Fact]
    public async Task PlanCheck_ExampleRepo_IsUpToDate()
    {
        var result = await CliRunner.RunAsync("--dir", RepoPaths.Root, "plan", "--check");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task PlanCheck_AfterManifestEdit_ExitsTwoWithDiffAndWritesNothing()
    {
        using var repo = CopyExampleRepo();
        var manifest = Path.Combine(repo.Path, "examples", "blog", ".hostenv", "hostenv.yaml");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("blog.hosting.test:", "news.hosting.test:", StringComparison.Ordinal));
        var before = repo.Snapshot();

        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan", "--check");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--- a/generated/plan.json", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("-      \"blog.hosting.test\"", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("+      \"news.hosting.test\"", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, repo.Snapshot());
    }

    [Fact]
    public async Task PlanCheck_OnError_ExitsOne()
    {
        using var repo = CopyExampleRepo();
        File.AppendAllText(Path.Combine(repo.Path, "provider.yaml"), "bogus: [\n");
        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan", "--check");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("provider.yaml:", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanCheck_WithoutGenerated_ExitsTwo()
    {
        using var repo = CopyExampleRepo();
        Directory.Delete(Path.Combine(repo.Path, "generated"), recursive: true);
        Assert.Equal(2, (await CliRunner.RunAsync("--dir", repo.Path, "plan", "--check")).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(repo.Path, "generated")));
    }

    [Fact]
    public async Task Plan_ManifestWithTwoMistakes_PrintsBothWithPositions_WritesNothing()
    {
        using var repo = CopyExampleRepo();
        var manifest = Path.Combine(repo.Path, "examples", "demo", ".hostenv", "hostenv.yaml");
        var text = File.ReadAllText(manifest)
            .Replace("    type: testing", "    type: tesing", StringComparison.Ordinal)
            .Replace("defaultEnvironment: main", "defaultEnvironment: main\nprojct: demo", StringComparison.Ordinal);
        File.WriteAllText(manifest, text);
        var before = repo.Snapshot();

        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("examples/demo/.hostenv/hostenv.yaml:4:1: error HP1003 [projct]: unknown key 'projct'; did you mean 'project'?", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("error HP1006 [environments.staging.type]: 'tesing' is not allowed; did you mean 'testing'?", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("2 errors; nothing was written.", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, repo.Snapshot());
    }

    [Fact]
    public async Task Plan_MissingProviderFile_ExplainsHowToFix()
    {
        using var empty = new TempDir();
        var result = await CliRunner.RunAsync("--dir", empty.Path, "plan");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--dir", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty.Path));
    }

    [Fact]
    public async Task Schema_Out_WritesThreeValidSchemas()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync("schema", "--out", dir.Path);
        Assert.Equal(0, result.ExitCode);
        var files = Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["hostenv.schema.json", "node.schema.json", "provider.schema.json"], files);
        foreach (var f in Directory.GetFiles(dir.Path))
        {
            Json.Schema.JsonSchema.FromText(File.ReadAllText(f)); // parses as a schema
        }
    }

    /// <summary>Same inputs, same bytes: across cultures and with invariant globalization on or off, in fresh processes.</summary>
    [Fact]
    public void Plan_ExampleRepo_IdenticalBytesAcrossCulturesAndGlobalizationModes()
    {
        var exe = CliProcess.Executable;
        var outputs = new List<string>();
        foreach (var (culture, invariant) in new[] { ("en-US", "0"), ("tr-TR", "0"), ("de-DE", "0"), ("ja-JP", "0"), ("C", "1") })
        {
            using var repo = CopyExampleRepo();
            Directory.Delete(Path.Combine(repo.Path, "generated"), recursive: true);
            var psi = new ProcessStartInfo("dotnet", [exe, "--dir", repo.Path, "plan"]) { RedirectStandardError = true, RedirectStandardOutput = true };
            psi.Environment["LANG"] = culture + ".UTF-8";
            psi.Environment["LC_ALL"] = culture + ".UTF-8";
            psi.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = invariant;
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(60_000), "plan did not finish");
            Assert.True(p.ExitCode == 0, err);
            outputs.Add(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")) + File.ReadAllText(Path.Combine(repo.Path, "generated", "state.json")));
        }

        Assert.All(outputs, o => Assert.Equal(outputs[0], o));
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "generated", "plan.json")) + File.ReadAllText(Path.Combine(RepoPaths.Root, "generated", "state.json")), outputs[0]);
    }
}
