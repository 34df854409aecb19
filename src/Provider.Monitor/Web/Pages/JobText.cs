using Provider.Monitor.Jobs;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>How jobs read on the pages: what a request does, and its state as a badge with a word.</summary>
public static class JobText
{
    public static string What(JobRequest request)
    {
        var targets = Targets(request);
        return request.Kind switch
        {
            JobKind.Rollback => $"Roll back {targets} to {To(request)}",
            JobKind.Push => $"Push of {request.Push?.Ref} to {request.Push?.Repository}: deploy {targets}",
            _ => targets.Length == 0 ? "Deploy the whole fleet" : $"Deploy {targets}",
        };
    }

    public static string StateKey(JobState state) => state.ToString().ToLowerInvariant();

    public static Markup StateBadge(JobState state)
    {
        var tone = state switch
        {
            JobState.Succeeded => "ok",
            JobState.Failed or JobState.Interrupted => "bad",
            _ => "other",
        };
        return H($"""<span class="badge outcome-{tone}" data-state="{StateKey(state)}">{StateKey(state)}</span>""");
    }

    /// <summary>A time, or a dash for one that has not come yet (not started, not ended).</summary>
    public static Markup Time(DateTimeOffset? time, DateTimeOffset now) =>
        time is null ? H($"""<span class="none">–</span>""") : Format.Time(time, now);

    public static bool Ended(JobState state) => state is not (JobState.Queued or JobState.Running);

    private static string Targets(JobRequest request)
    {
        var envs = request.Environments.IsDefault ? [] : request.Environments.Select(e => "environment " + e);
        var nodes = request.Nodes.IsDefault ? [] : request.Nodes.Select(n => "node " + n);
        return string.Join(", ", envs.Concat(nodes));
    }

    /// <summary>A node's rollback goes to a generation, an environment's to a release.</summary>
    private static string To(JobRequest request) => request.To switch
    {
        null => "the previous good release",
        var to when request.Environments.IsDefaultOrEmpty && !request.Nodes.IsDefaultOrEmpty => "generation " + to,
        var to => "release " + to,
    };
}
