using System.Collections.Immutable;

namespace Provider.Planning.Gate;

/// <summary>
/// How long to wait between re-checks after a Cloudflare upsert (DESIGN §6): 1, 2, 4, 8, 16 s, then
/// 30 s steps; the last step is shortened so the delays sum to exactly the budget (600 s by default).
/// </summary>
public static class CloudflareBackoff
{
    public static TimeSpan DefaultBudget { get; } = TimeSpan.FromSeconds(600);

    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    public static ImmutableArray<TimeSpan> Schedule() => Schedule(DefaultBudget);

    public static ImmutableArray<TimeSpan> Schedule(TimeSpan budget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, TimeSpan.Zero);
        var delays = ImmutableArray.CreateBuilder<TimeSpan>();
        var total = TimeSpan.Zero;
        var next = TimeSpan.FromSeconds(1);
        while (total < budget)
        {
            var delay = next <= budget - total ? next : budget - total;
            delays.Add(delay);
            total += delay;
            next = next < TimeSpan.FromSeconds(16) ? next * 2 : Step;
        }

        return delays.ToImmutable();
    }
}
