using Provider.Planning.Containers;

namespace Provider.Planning.Tests.Containers;

/// <summary>
/// tests/bad-inputs/compose/*.case: compose files the planner must refuse, with the errors (code and file:line:column)
/// computed from the text by generate.py, never by running the policy. Each case must give exactly those errors.
/// </summary>
public class ComposeCorpusTests
{
    private static readonly string Folder = Path.Combine(RepoRoot(), "tests", "bad-inputs", "compose");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Folder, "*.case").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Fact]
    public void Corpus_HasEveryCaseGenerated_AtLeastThirty() => Assert.True(Cases().Count >= 30, $"{Cases().Count} cases in {Folder}");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ComposePolicy_CorpusCase_GivesExactlyTheExpectedErrors(string caseFile)
    {
        var text = File.ReadAllText(Path.Combine(Folder, caseFile));
        var split = text.IndexOf("=== compose.yaml\n", StringComparison.Ordinal);
        var head = text[..split].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var compose = text[(split + "=== compose.yaml\n".Length)..];
        var allow = head.Where(l => l.StartsWith("allow: ", StringComparison.Ordinal))
            .SelectMany(l => l["allow: ".Length..].Split(", ")).ToArray();
        var expected = head.Where(l => l.StartsWith("expect: ", StringComparison.Ordinal)).Select(l => l["expect: ".Length..]).Order(StringComparer.Ordinal);

        var result = ComposePolicy.Check(new ComposePolicyInput("examples/shop/compose.yaml", "compose.yaml", compose, "acme__shop", "shop-main-0000000", [.. allow]));

        var actual = result.Diagnostics.Select(d => $"{d.Code} {d.Position}").Order(StringComparer.Ordinal);
        Assert.True(expected.SequenceEqual(actual),
            $"{caseFile}\nexpected:\n  {string.Join("\n  ", expected)}\nactual:\n  {string.Join("\n  ", result.Diagnostics.Select(d => d.Format()))}");
        Assert.All(result.Diagnostics, d => Assert.False(string.IsNullOrEmpty(d.Hint)));
        Assert.All(result.Diagnostics.Where(d => d.Code != "HP2201"), d => Assert.False(string.IsNullOrEmpty(d.Field)));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Provider.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Provider.sln not found above " + AppContext.BaseDirectory);
    }
}
