using Provider.Planning.Output;

namespace Provider.Planning.Tests.Output;

public class UnifiedDiffTests
{
    [Fact]
    public void Create_Identical_IsEmpty() => Assert.Equal("", UnifiedDiff.Create("a", "b", "x\ny\n", "x\ny\n"));

    [Fact]
    public void Create_OneChangedLine_ShowsHunkWithContext()
    {
        var old = string.Join("\n", Enumerable.Range(1, 10).Select(i => "line" + i)) + "\n";
        var @new = old.Replace("line5\n", "LINE5\n", StringComparison.Ordinal);
        var diff = UnifiedDiff.Create("a/f", "b/f", old, @new);
        Assert.Equal("--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n line2\n line3\n line4\n-line5\n+LINE5\n line6\n line7\n line8\n", diff);
    }

    [Fact]
    public void Create_FromEmpty_AddsEverything()
    {
        var diff = UnifiedDiff.Create("a/f", "b/f", "", "x\ny\n");
        Assert.Equal("--- a/f\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n", diff);
    }

    [Fact]
    public void Create_ApplyingDiff_ReproducesNewText()
    {
        var rng = new Random(42);
        for (var round = 0; round < 200; round++)
        {
            var a = Enumerable.Range(0, rng.Next(0, 30)).Select(_ => "l" + rng.Next(0, 6)).ToList();
            var b = Enumerable.Range(0, rng.Next(0, 30)).Select(_ => "l" + rng.Next(0, 6)).ToList();
            var oldText = a.Count == 0 ? "" : string.Join("\n", a) + "\n";
            var newText = b.Count == 0 ? "" : string.Join("\n", b) + "\n";
            var diff = UnifiedDiff.Create("a", "b", oldText, newText, context: 1000);
            var rebuilt = diff.Split('\n').Skip(3).Where(l => l.StartsWith(' ') || l.StartsWith('+')).Select(l => l[1..]).ToList();
            var removed = diff.Split('\n').Skip(3).Where(l => l.StartsWith(' ') || l.StartsWith('-')).Select(l => l[1..]).ToList();
            if (diff.Length > 0)
            {
                Assert.Equal(b, rebuilt);
                Assert.Equal(a, removed);
            }
            else
            {
                Assert.Equal(a, b);
            }
        }
    }
}
