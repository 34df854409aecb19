using System.Collections.Immutable;

namespace Provider.Planning.Model;

/// <summary>The spellings of <see cref="NotifyFormat"/> and <see cref="NotifyEvent"/> in provider.yaml (the schema's enums) and in payloads.</summary>
public static class NotifyNames
{
    public static readonly ImmutableArray<NotifyEvent> AllEvents =
        [NotifyEvent.Succeeded, NotifyEvent.Failed, NotifyEvent.RolledBack, NotifyEvent.Cancelled, NotifyEvent.Interrupted];

    /// <summary>A schema-validated format name; anything else is the default, json.</summary>
    public static NotifyFormat Format(string name) => name switch
    {
        "slack" => NotifyFormat.Slack,
        "discord" => NotifyFormat.Discord,
        _ => NotifyFormat.Json,
    };

    /// <summary>A schema-validated event name.</summary>
    public static NotifyEvent Event(string name) => name switch
    {
        "succeeded" => NotifyEvent.Succeeded,
        "failed" => NotifyEvent.Failed,
        "rolled-back" => NotifyEvent.RolledBack,
        "cancelled" => NotifyEvent.Cancelled,
        _ => NotifyEvent.Interrupted,
    };

    public static string Name(NotifyEvent e) => e switch
    {
        NotifyEvent.Succeeded => "succeeded",
        NotifyEvent.Failed => "failed",
        NotifyEvent.RolledBack => "rolled-back",
        NotifyEvent.Cancelled => "cancelled",
        _ => "interrupted",
    };
}
