using Provider.Planning.Gate;

namespace Provider.Planning.Tests.Gate;

public sealed class CloudflareBackoffTests
{
    [Fact]
    public void Schedule_Default_DoublesThenThirtySecondStepsWithinSixHundred()
    {
        var seconds = CloudflareBackoff.Schedule().Select(d => d.TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], seconds[..7]);
        Assert.All(seconds[5..^1], s => Assert.Equal(30, s));
        Assert.Equal(600, seconds.Sum());
        Assert.Equal(29, seconds[^1]);
    }

    [Fact]
    public void Schedule_SmallBudget_TruncatesLastStep()
    {
        var seconds = CloudflareBackoff.Schedule(TimeSpan.FromSeconds(10)).Select(d => d.TotalSeconds);

        Assert.Equal([1, 2, 4, 3], seconds);
    }

    [Fact]
    public void Schedule_ZeroBudget_Empty() =>
        Assert.Empty(CloudflareBackoff.Schedule(TimeSpan.Zero));
}
