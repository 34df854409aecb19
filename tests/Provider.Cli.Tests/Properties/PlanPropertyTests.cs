using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using Provider.Cli.Tests.Support;
using Xunit.Abstractions;

namespace Provider.Cli.Tests.Properties;

/// <summary>
/// Property tests (CsCheck): the example repo's YAML mutated at random and planned by the real CLI, in-process.
/// (a) `plan` exits 0 or 1 and never prints a stack trace; (b) after exit 1 no file changed or appeared, after
/// exit 0 no temporary file is left; (c) every error names file:line:column inside the file it names; (d) after
/// exit 0, every file `nodes build` renders for each node is free of raw control characters and of injected text
/// acting as nginx, systemd or shell syntax, and `nginx -t` accepts the nginx tree (when nginx is installed).
/// A failure prints the seed and the shrunk edits; set the environment variable CsCheck_Seed to that seed and run
/// the one test again to reproduce it. Iterations are bounded so the class takes about a minute on two cores.
/// </summary>
public sealed class PlanPropertyTests(ITestOutputHelper output)
{
    // Bounded for the default run; CsCheck_Iter (CsCheck's own variable, which an explicit iter would override) runs more.
    private static readonly int EditIterations = Iterations(300);
    private static readonly int InjectionIterations = Iterations(120);

    [Fact]
    public void ScalarSites_OfExampleRepo_IncludeTheFieldsThatAreRendered()
    {
        var rendered = MutationGen.AllSites.Where(s => s.Rendered).Select(s => s.Context).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["csp", "run", "root", "static", "globalRedirect", "locations", "adminEmail"], StringComparer.Ordinal), rendered);
    }

    [Fact]
    public Task Plan_RandomlyEditedYaml_ExitsZeroOrOneWithPositionedErrorsAndWritesNothingOnError()
    {
        static Task<bool> Check((string File, Edit[] Edits) change) => PlanAndCheckAsync(MutationGen.Apply(change.Edits.Select(e => (change.File, e))), []);
        // The assertion is a Func<T, Task>: CsCheck would read a Task<bool> as a predicate.
        return MutationGen.FileEdits.SampleAsync(
            async change => { await Check(change); }, writeLine: output.WriteLine, iter: EditIterations, threads: 2,
            print: change => Describe(change.File, change.Edits, MutationGen.Apply(change.Edits.Select(e => (change.File, e)))) + Failure(() => Check(change)));
    }

    [Fact]
    public async Task NodesBuild_HostileTextInScalars_RendersItOnlyAsData()
    {
        static Task<bool> Check(ReplaceScalar[] injections) =>
            PlanAndCheckAsync(MutationGen.Apply(injections.Select(r => (r.Site.File, (Edit)r))), [.. injections.Select(r => r.Value)]);
        var rendered = 0;
        await MutationGen.Injections.SampleAsync(
            async injections =>
            {
                if (await Check(injections))
                {
                    Interlocked.Increment(ref rendered);
                }
            },
            writeLine: output.WriteLine, iter: InjectionIterations, threads: 2,
            print: injections => string.Join("\n", injections.Select(r => Describe(r.Site.File, [r], MutationGen.Apply([(r.Site.File, r)])))) + Failure(() => Check(injections)));

        // The property is only worth its name if hostile text did reach rendered files; the generator aims at such fields.
        output.WriteLine($"{rendered} of {InjectionIterations} runs rendered injected text");
        Assert.True(rendered > 0, "no run rendered any injected text: the generator no longer reaches rendered fields");
    }

    private static int Iterations(int bounded) =>
        int.TryParse(Environment.GetEnvironmentVariable("CsCheck_Iter"), out var n) && n > 0 ? n : bounded;

    /// <summary>Why the (shrunk) input fails, for CsCheck's report, which otherwise shows only the input and the seed.</summary>
    private static string Failure(Func<Task<bool>> check)
    {
        try
        {
            check().GetAwaiter().GetResult();
            return "\n(passed when run again)";
        }
        catch (Exception ex)
        {
            return "\n\nfails because: " + ex.Message;
        }
    }

    /// <summary>Plans a copy of the example repo with <paramref name="texts"/> over it and checks (a)-(d). True when injected text was rendered.</summary>
    private static async Task<bool> PlanAndCheckAsync(IReadOnlyDictionary<string, string> texts, IReadOnlyCollection<string> injected)
    {
        using var repo = ExampleRepo.CopyWith(texts);
        var before = repo.Snapshot();
        var plan = await CliRunner.RunAsync("--dir", repo.Path, "plan");

        Assert.True(plan.ExitCode is 0 or 1, $"exit {plan.ExitCode}\n{plan.Stderr}");
        Assert.False(plan.Stderr.Contains("   at ", StringComparison.Ordinal) || Regex.IsMatch(plan.Stderr, @"\b[A-Z]\w*Exception\b"), "a stack trace:\n" + plan.Stderr);
        var errorProblems = ErrorLines.Problems(plan.Stderr, repo.Path).ToList();
        Assert.True(errorProblems.Count == 0, string.Join("\n", errorProblems) + "\n\nall output:\n" + plan.Stderr);
        if (plan.ExitCode == 1)
        {
            Assert.True(plan.Stderr.Contains("error HP", StringComparison.Ordinal), "exit 1 without an error:\n" + plan.Stderr);
            Assert.Equal(before, repo.Snapshot());
            return false;
        }

        Assert.Equal(before.Keys, repo.Snapshot().Keys);
        if (injected.Count == 0)
        {
            return false;
        }

        var planJson = JsonNode.Parse(File.ReadAllText(Path.Combine(repo.Path, "generated", "plan.json")))!.AsObject();
        var reached = false;
        foreach (var node in (planJson["nodes"] as JsonObject ?? []).Select(n => n.Key))
        {
            using var outDir = new TempDir();
            var build = await CliRunner.RunAsync("--dir", repo.Path, "nodes", "build", node, "--out", outDir.Path);
            Assert.True(build.ExitCode == 0, $"nodes build {node}: exit {build.ExitCode}\n{build.Stderr}");
            var problems = RenderedChecks.Problems(outDir.Path, injected).ToList();
            Assert.True(problems.Count == 0, $"node {node}:\n" + string.Join("\n", problems));
            reached |= Directory.EnumerateFiles(outDir.Path, "*", SearchOption.AllDirectories)
                .Any(f => File.ReadAllText(f).Contains(MutationGen.Marker, StringComparison.Ordinal));
            if (NginxTest.Available && NginxTest.Problem(planJson, node) is { } nginx)
            {
                Assert.Fail($"nginx -t rejects node {node}'s tree:\n{nginx}");
            }
        }

        return reached;
    }

    private static string Describe(string file, IEnumerable<Edit> edits, IReadOnlyDictionary<string, string> texts) =>
        $"{file}: " + string.Join("; ", edits.Select(e => e is ReplaceScalar r ? $"ReplaceScalar({r.Site.Start}..{r.Site.End} [{r.Site.Context}], {Yaml.DoubleQuoted(r.Value)})" : Visible(e.ToString())))
        + "\n" + string.Join("\n", texts.Select(t => $"--- {t.Key}\n" + string.Join("\n", t.Value.Split('\n').Select(Escaped))));

    private static string Escaped(string line) => line.Any(char.IsControl) ? Yaml.DoubleQuoted(line) : line;

    private static string Visible(string text) => string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
}
