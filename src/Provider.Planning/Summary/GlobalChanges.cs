using System.Text.Json.Nodes;

namespace Provider.Planning.Summary;

/// <summary>Plan-wide settings and what changed in state.json that the plan's lines do not already say.</summary>
internal static class GlobalChanges
{
    public static IEnumerable<Change> Plan(JsonObject? oldPlan, JsonObject? newPlan)
    {
        // With nothing committed every setting would read "added"; the node and env lines say enough.
        if (oldPlan is null || oldPlan.Count == 0)
        {
            yield break;
        }

        // inputsHash changes with any edit to the inputs; the lines above are what that edit did.
        var fields = FieldDiff.Compare(oldPlan, newPlan, path => path is "environments" or "nodes" or "nodeConnections" or "inputsHash");
        if (!fields.IsEmpty)
        {
            yield return Change.Modified(Subjects.Plan, "", fields);
        }
    }

    /// <param name="explained">Environments whose plan entry changed: their reservation changes go without saying.</param>
    public static IEnumerable<Change> State(JsonObject? oldState, JsonObject? newState, IReadOnlySet<string> explained)
    {
        foreach (var name in FieldDiff.Keys(oldState, newState).Where(k => !IsMetadata(k) && !explained.Contains(k)))
        {
            if (FieldDiff.Entry(Subjects.Reservation, name, oldState?[name] as JsonObject, newState?[name] as JsonObject, Describe) is { } change)
            {
                yield return change;
            }
        }

        // _description is fixed text; the other "_" keys (the UID high-water mark) are tool metadata worth seeing.
        var metadata = FieldDiff.Compare(oldState, newState, path => !IsMetadata(path) || path == "_description");
        if (!metadata.IsEmpty)
        {
            // A first state.json is an addition like everything else in a first plan.
            var kind = oldState is null || oldState.Count == 0 ? ChangeKind.Add : ChangeKind.Modify;
            yield return new Change(kind, Subjects.State, "", metadata, null);
        }
    }

    private static bool IsMetadata(string key) => key.StartsWith('_');

    private static string Describe(JsonObject reservation) =>
        string.Join(", ", new[] { FieldDiff.Plain(reservation["node"]), FieldDiff.Plain(reservation["uid"]) is { } uid ? "uid " + uid : null }.OfType<string>());
}
