using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>
/// tests/golden/&lt;case&gt;/input is a provider repo; expected/ holds plan.json and state.json, or
/// diagnostics.txt when planning must fail. A failing case must also leave the repo byte-identical.
/// </summary>
public class GoldenPlanTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(RepoPaths.Golden).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Plan_GoldenCase_MatchesExpected(string name)
    {
        var caseDir = Path.Combine(RepoPaths.Golden, name);
        var expectedDir = Path.Combine(caseDir, "expected");
        using var repo = TempDir.CopyOf(Path.Combine(caseDir, "input"));
        var before = repo.Snapshot();

        var result = await CliRunner.RunAsync("--dir", repo.Path, "plan");

        var expectFailure = File.Exists(Path.Combine(expectedDir, "diagnostics.txt"))
            || (!File.Exists(Path.Combine(expectedDir, "plan.json")) && result.ExitCode != 0);
        if (expectFailure)
        {
            Assert.Equal(1, result.ExitCode);
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal); // no stack trace for a user mistake
            Assert.Equal(before, repo.Snapshot());
            GoldenFile.AssertMatches(Path.Combine(expectedDir, "diagnostics.txt"), result.Stderr);
            return;
        }

        Assert.True(result.ExitCode == 0, result.Stderr);
        var plan = File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json"));
        var state = File.ReadAllText(Path.Combine(repo.Path, "generated", "state.json"));
        GoldenFile.AssertMatches(Path.Combine(expectedDir, "plan.json"), plan);
        GoldenFile.AssertMatches(Path.Combine(expectedDir, "state.json"), state);

        // Planning is idempotent: a second run over its own output changes nothing and passes --check.
        var again = await CliRunner.RunAsync("--dir", repo.Path, "plan");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("No changes", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(plan, File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")));
        Assert.Equal(0, (await CliRunner.RunAsync("--dir", repo.Path, "plan", "--check")).ExitCode);
    }
}
