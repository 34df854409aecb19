using Provider.Nodes.Apply;

namespace Provider.Nodes.Tests.Apply;

public sealed class ReleaseIdTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 16, 4, 12, 730, TimeSpan.Zero);
    private const string Rev = "bfc89a12d99f0123456789abcdef0123456789ab";

    [Fact]
    public void FirstRelease_IsUtcSecondAndShortRev()
    {
        Assert.Equal("20261125T160412-bfc89a12d99f", EnvironmentStage.NextReleaseId(Now, Rev, null));
        Assert.Equal("20261125T160412-bfc89a12d99f", EnvironmentStage.NextReleaseId(Now.ToOffset(TimeSpan.FromHours(5)), Rev, null));
        Assert.Equal("20261125T160412-abc123", EnvironmentStage.NextReleaseId(Now, "tree-abc123", null));
    }

    [Fact]
    public void OlderNewest_DoesNotChangeTheName()
    {
        Assert.Equal("20261125T160412-bfc89a12d99f", EnvironmentStage.NextReleaseId(Now, Rev, "20261125T160411-4a9374625f35"));
    }

    [Theory]
    [InlineData("20261125T160412-4a9374625f35", "20261125T160413-bfc89a12d99f")] // same second, other rev: sorts after
    [InlineData("20261125T160412-bfc89a12d99f", "20261125T160413-bfc89a12d99f")] // same second, same rev: no collision
    [InlineData("20261125T235959-bfc89a12d99f", "20261126T000000-bfc89a12d99f")] // clock behind the node's newest: still after it
    public void NewestAtOrAfterNow_TakesTheFollowingSecond(string newest, string expected)
    {
        Assert.Equal(expected, EnvironmentStage.NextReleaseId(Now, Rev, newest));
    }

    [Fact]
    public void ManyDeploysInOneSecond_AreUniqueAndSortInDeployOrder()
    {
        var names = new List<string>();
        string? newest = null;
        for (var i = 0; i < 20; i++)
        {
            newest = EnvironmentStage.NextReleaseId(Now, i % 2 == 0 ? Rev : "0000000000000000000000000000000000000000", newest);
            names.Add(newest);
        }

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(names, names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void UnparsableNewest_IsIgnored()
    {
        Assert.Equal("20261125T160412-bfc89a12d99f", EnvironmentStage.NextReleaseId(Now, Rev, "not-a-release"));
    }
}
