using System.Collections.Immutable;
using Provider.Planning.Gate;

namespace Provider.Nodes.Cloudflare;

/// <param name="Decisions">The last decision for every request, in request order; those not ok are gated.</param>
/// <param name="Waited">The delays actually waited (sums to at most the budget).</param>
public sealed record PropagationResult(ImmutableArray<GateDecision> Decisions, TimeSpan Waited, int Checks);

/// <summary>
/// Re-checks upserted vhosts on the <see cref="CloudflareBackoff"/> schedule until all are ok or the
/// budget (600 s) is spent, counting time with the injected <see cref="TimeProvider"/> so slow
/// checks eat into the budget too. The delay is injected so tests do not sleep.
/// </summary>
public sealed class PropagationWaiter(TimeProvider time, Func<TimeSpan, CancellationToken, Task>? delay = null, TimeSpan? budget = null)
{
    private readonly Func<TimeSpan, CancellationToken, Task> delay = delay ?? ((d, ct) => Task.Delay(d, time, ct));
    private readonly TimeSpan budget = budget ?? CloudflareBackoff.DefaultBudget;

    public async Task<PropagationResult> WaitAsync(
        IReadOnlyList<GateRequest> requests,
        Func<IReadOnlyList<GateRequest>, CancellationToken, Task<ImmutableArray<GateDecision>>> check,
        CancellationToken cancellationToken)
    {
        var latest = new GateDecision?[requests.Count];
        var pending = Enumerable.Range(0, requests.Count).ToList();
        var start = time.GetUtcNow();
        var waited = TimeSpan.Zero;
        var checks = 0;
        foreach (var step in CloudflareBackoff.Schedule(budget))
        {
            if (pending.Count == 0)
            {
                break;
            }

            var left = budget - (time.GetUtcNow() - start);
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            var wait = step < left ? step : left;
            await delay(wait, cancellationToken).ConfigureAwait(false);
            waited += wait;
            var decisions = await check([.. pending.Select(i => requests[i])], cancellationToken).ConfigureAwait(false);
            checks++;
            for (var i = 0; i < pending.Count; i++)
            {
                latest[pending[i]] = decisions[i];
            }

            pending = [.. pending.Where(i => latest[i] is not { IsOk: true })];
        }

        return new PropagationResult(
            [.. requests.Select((r, i) => latest[i]
                ?? GateDecision.Without(r, GateStatus.Unknown, "not re-checked: no time left"))],
            waited,
            checks);
    }
}
