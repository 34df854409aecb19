using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Provider.Monitor.Jobs;
using Provider.Planning.Model;

namespace Provider.Monitor.Notify;

/// <summary>One ended job as notifications tell it: only the job's own fields, never a token, URL or environment value.</summary>
public sealed record JobEnded(Job Job, JobState State, int ExitCode, string Summary, DateTimeOffset FinishedAt)
{
    /// <summary>A failure with exit code 3 is a rollback (the deploy failed and the node went back), the rest as the state says.</summary>
    public NotifyEvent Event => State switch
    {
        JobState.Succeeded => NotifyEvent.Succeeded,
        JobState.Cancelled => NotifyEvent.Cancelled,
        JobState.Interrupted => NotifyEvent.Interrupted,
        _ when ExitCode == 3 => NotifyEvent.RolledBack,
        _ => NotifyEvent.Failed,
    };
}

/// <summary>The body each format posts, rendered from typed records.</summary>
internal static class NotifyPayload
{
    /// <summary>Chat messages stay short: Discord refuses content over 2,000 characters.</summary>
    private const int MaxSummary = 1500;

    public static byte[] Render(NotifyFormat format, JobEnded ended) => format switch
    {
        NotifyFormat.Slack => JsonSerializer.SerializeToUtf8Bytes(new SlackMessage(SlackEscape(Sentence(ended))), NotifyJsonContext.Default.SlackMessage),
        NotifyFormat.Discord => JsonSerializer.SerializeToUtf8Bytes(new DiscordMessage(Sentence(ended), new DiscordMentions([])), NotifyJsonContext.Default.DiscordMessage),
        _ => JsonSerializer.SerializeToUtf8Bytes(Generic(ended), NotifyJsonContext.Default.JobEventMessage),
    };

    /// <summary>One line for people: what ran, how it ended, the summary, who asked and why.</summary>
    internal static string Sentence(JobEnded e)
    {
        var job = e.Job;
        var text = new StringBuilder()
            .Append("hostenv-provider: ").Append(JobRunner.Describe(job.Request)).Append(' ').Append(Ended(e.Event))
            .Append(CultureInfo.InvariantCulture, $" (job {job.Id}, exit code {e.ExitCode})");
        if (e.Summary.Length > 0)
        {
            text.Append(": ").Append(e.Summary.Length > MaxSummary ? e.Summary[..MaxSummary] + "…" : e.Summary);
        }

        text.Append(". Requested by ").Append(job.Origin.Actor).Append(" via ").Append(job.Origin.Via);
        if (job.Origin.Reason is { Length: > 0 } reason)
        {
            text.Append(": ").Append(reason.Length > 200 ? reason[..200] + "…" : reason);
        }

        return text.ToString();
    }

    private static JobEventMessage Generic(JobEnded e) => new(
        "job." + NotifyNames.Name(e.Event),
        new JobFields(
            e.Job.Id,
            e.Job.Request.Kind.ToString().ToLowerInvariant(),
            e.Job.Request.Environments,
            e.Job.Nodes,
            e.State.ToString().ToLowerInvariant(),
            e.ExitCode,
            e.Summary,
            e.Job.Origin.Actor,
            e.Job.Origin.Via,
            e.Job.Origin.Reason,
            e.Job.CreatedAt,
            e.FinishedAt));

    private static string Ended(NotifyEvent e) => e switch
    {
        NotifyEvent.Succeeded => "succeeded",
        NotifyEvent.RolledBack => "failed and was rolled back",
        NotifyEvent.Cancelled => "was cancelled",
        NotifyEvent.Interrupted => "was interrupted (the service stopped)",
        _ => "failed",
    };

    /// <summary>Slack reads &amp;, &lt; and &gt; as markup (&lt;!channel&gt; pings everyone): user text is escaped.</summary>
    private static string SlackEscape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

internal sealed record SlackMessage(string Text);

/// <summary>allowed_mentions with no parse: an "@everyone" in a summary or reason pings nobody.</summary>
internal sealed record DiscordMessage(string Content, [property: JsonPropertyName("allowed_mentions")] DiscordMentions AllowedMentions);

internal sealed record DiscordMentions(ImmutableArray<string> Parse);

internal sealed record JobEventMessage(string Event, JobFields Job);

internal sealed record JobFields(
    long Id,
    string Kind,
    ImmutableArray<string> Environments,
    ImmutableArray<string> Nodes,
    string State,
    int ExitCode,
    string Summary,
    string Actor,
    string Via,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset FinishedAt);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(SlackMessage))]
[JsonSerializable(typeof(DiscordMessage))]
[JsonSerializable(typeof(JobEventMessage))]
internal sealed partial class NotifyJsonContext : JsonSerializerContext;
