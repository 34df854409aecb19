using System.Collections.Immutable;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

public enum ReservationStatus
{
    Declared,
    Disabled,
    Gone,
}

public sealed record Reservation(StateEntry Entry, ReservationStatus Status);

/// <summary>Classifies the committed reservations against what the current inputs declare.</summary>
public static class StateReport
{
    public static ImmutableArray<Reservation> Classify(ProviderState committed, ImmutableArray<PlannedEnvironment> declared)
    {
        var byUser = declared.ToDictionary(e => e.UserName, StringComparer.Ordinal);
        return [.. committed.Entries.Values.Select(e => new Reservation(e,
            !byUser.TryGetValue(e.UserName, out var env) ? ReservationStatus.Gone
            : env.Enabled ? ReservationStatus.Declared : ReservationStatus.Disabled))];
    }

    /// <summary>The state after removing the given entries; the UID high-water mark never goes down.</summary>
    public static ProviderState Without(ProviderState state, IEnumerable<string> userNames)
    {
        var entries = state.Entries.RemoveRange(userNames);
        return state with { Entries = entries, UidHighWaterMark = state.UidHighWaterMark };
    }

    public static string StatusName(ReservationStatus status) => status switch
    {
        ReservationStatus.Declared => "declared",
        ReservationStatus.Disabled => "disabled",
        _ => "gone",
    };
}
