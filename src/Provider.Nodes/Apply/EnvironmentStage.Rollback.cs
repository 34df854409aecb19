using System.Collections.Immutable;
using System.Globalization;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Apply;

/// <summary>Rollback to a kept release, and the node's records it reads and writes: deploys.log, the kept releases, retention.</summary>
public sealed partial class EnvironmentStage
{
    /// <summary>Returns an environment to a release it keeps (default: the previous good one) through the same start/check/switch path.</summary>
    /// <param name="previewed">The target a confirmed preview showed; if the node's current release or the resolved target differ now, nothing is changed.</param>
    public async Task<EnvironmentResult> RollbackAsync(SshNodeSession session, EnvironmentPlan env, string? to, CancellationToken ct, RollbackTarget? previewed = null)
    {
        var user = env.UserName;
        var started = clock.GetTimestamp();
        var (state, _, _, _, _) = await ReadStateAsync(session, user, ct);
        var target = await ResolveRollbackAsync(session, user, to, state, ct);
        if (previewed is not null && previewed != target)
        {
            return Fail(user, started, null, target.Rev, $"changed on the node since the preview you confirmed (now {target.Current ?? "none"} -> {target.Release}, " +
                $"the preview showed {previewed.Current ?? "none"} -> {previewed.Release}); nothing was changed: run the command again");
        }

        if (target.Release == state.Release)
        {
            return new EnvironmentResult(user, EnvironmentOutcome.UpToDate, target.Release, state.Rev, null, Elapsed(started));
        }

        // A rolled-back release is not what the plan describes: clearing the fingerprint makes the next deploy redeploy the plan.
        return await ActivateAsync(session, env, target.Rev, target.Release, "rollback", state, started, ct, discardOnFailure: false, outcome: "rollback");
    }

    /// <summary>Which kept release `rollback --env [--to R]` returns to, from the node's current state (read-only).</summary>
    public static async Task<RollbackTarget> ResolveRollbackAsync(SshNodeSession session, string user, string? to, CancellationToken ct) =>
        await ResolveRollbackAsync(session, user, to, (await ReadStateAsync(session, user, ct, readOnly: true)).State, ct);

    private static async Task<RollbackTarget> ResolveRollbackAsync(SshNodeSession session, string user, string? to, EnvironmentState state, CancellationToken ct)
    {
        var history = await ReadHistoryAsync(session, user, ct);
        var kept = (await ListReleasesAsync(session, user, ct)).Kept;
        string target;
        if (to is not null)
        {
            var matches = kept.Where(r => r == to || r.StartsWith(to, StringComparison.Ordinal) || r.EndsWith("-" + to, StringComparison.Ordinal)).ToList();
            target = matches.Count == 1 ? matches[0] : throw new DeployStepException("rollback",
                matches.Count == 0 ? $"no release '{to}' is kept for {user}; kept: {string.Join(", ", kept.Order(StringComparer.Ordinal))}" : $"'{to}' matches {matches.Count} releases");
        }
        else
        {
            target = history.Where(h => h.Outcome is "deployed" or "rollback" && h.Release != state.Release && kept.Contains(h.Release)).Select(h => h.Release).LastOrDefault()
                ?? throw new DeployStepException("rollback", $"{user} has no earlier good release to return to (current: {state.Release ?? "none"})");
        }

        return new RollbackTarget(state.Release, target, history.LastOrDefault(h => h.Release == target)?.Rev ?? "");
    }

    /// <summary>One line of deploys.log; Index is its line number (times have one-second resolution, the file's order is exact).</summary>
    public sealed record HistoryEntry(long Time, string Release, string Rev, string Outcome, double Seconds, int Index = 0)
    {
        /// <summary>A compose release's images as recorded at its build (tag or pinned reference, and ID); empty for other releases.</summary>
        public ImmutableArray<ReleaseImage> Images { get; init; } = [];
    }

    /// <summary>An environment's deploys.log, each entry with the images its release was built with (one trip: env-history.sh).</summary>
    public static async Task<ImmutableArray<HistoryEntry>> ReadHistoryAsync(SshNodeSession session, string user, CancellationToken ct)
    {
        var r = await session.RunAsync(RemoteScripts.Command("env-history.sh", EnvDir(user)).AsRoot(), StepTimeout, ct);
        var images = r.Stdout.Split('\n').Where(l => l.StartsWith("image\t", StringComparison.Ordinal)).Select(l => ReleaseImage.Parse(l["image\t".Length..])).OfType<ReleaseImage>()
            .ToLookup(i => i.Release, StringComparer.Ordinal);
        return [.. ParseHistory(r.Stdout).Select(h => images.Contains(h.Release) ? h with { Images = [.. images[h.Release]] } : h)];
    }

    public static ImmutableArray<HistoryEntry> ParseHistory(string text) =>
    [
        .. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("image\t", StringComparison.Ordinal)).Select(l => l.Split('\t')).Where(p => p.Length >= 5)
            .Select((p, i) => new HistoryEntry(long.Parse(p[0], CultureInfo.InvariantCulture), p[1], p[2], p[3], double.Parse(p[4], CultureInfo.InvariantCulture), i)),
    ];

    /// <summary>The live release (from the node's state file) and the releases the node keeps, in name (= time) order: what `--to` can name.</summary>
    public static async Task<(string? Current, ImmutableArray<string> Kept)> ListReleasesAsync(SshNodeSession session, string user, CancellationToken ct)
    {
        var r = await Run(session, "list releases", RemoteScripts.Command("env-list-releases.sh", EnvDir(user), HostenvPaths.Home(user)).AsRoot(), ct);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (lines.FirstOrDefault(l => l.StartsWith("current ", StringComparison.Ordinal))?["current ".Length..],
            [.. lines.Where(l => l.StartsWith("kept ", StringComparison.Ordinal)).Select(l => l["kept ".Length..]).Order(StringComparer.Ordinal)]);
    }

    private async Task RecordHistoryAsync(SshNodeSession session, string user, string release, string rev, string outcome, TimeSpan elapsed, CancellationToken ct)
    {
        var line = string.Join('\t', clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), release, rev, outcome,
            elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)) + "\n";
        await Run(session, "history", RemoteCommand.Shell("cat >> \"$1/deploys.log\"", EnvDir(user)).AsRoot(), ct, line);
    }

    /// <summary>Keeps the newest keepReleases good releases; never the current or the previous one.</summary>
    private static async Task<HashSet<string>> RetainAsync(SshNodeSession session, string user, int keep, string current, string? previous, CancellationToken ct)
    {
        var history = await ReadHistoryAsync(session, user, ct);
        var good = history.Where(h => h.Outcome is "deployed" or "rollback").Select(h => h.Release).Reverse().Distinct(StringComparer.Ordinal).Take(keep).ToHashSet(StringComparer.Ordinal);
        good.Add(current);
        if (previous is not null)
        {
            good.Add(previous);
        }

        await Run(session, "retention", RemoteScripts.Command("env-retain.sh", [HostenvPaths.Home(user), .. good.Order(StringComparer.Ordinal)]).AsRoot(), ct);
        return good;
    }
}
