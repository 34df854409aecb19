using System.Text.Json.Nodes;

namespace Provider.Planning.Summary;

internal static class PlanChangesJson
{
    public static JsonObject ToNode(PlanChanges changes)
    {
        var nodes = new JsonObject();
        foreach (var node in changes.Nodes)
        {
            nodes[node.Node] = Changes(node.Changes);
        }

        var counts = changes.Counts;
        return new JsonObject
        {
            ["counts"] = new JsonObject { ["add"] = counts.Add, ["change"] = counts.Change, ["remove"] = counts.Remove },
            ["global"] = Changes(changes.Global),
            ["isEmpty"] = changes.IsEmpty,
            ["nodes"] = nodes,
            ["notes"] = new JsonArray([.. changes.Notes.Select(n => (JsonNode)n)]),
        };
    }

    private static JsonArray Changes(IEnumerable<Change> changes) => new([.. changes.Select(Change)]);

    private static JsonObject Change(Change change) => new()
    {
        ["detail"] = change.Detail,
        ["fields"] = new JsonArray([.. change.Fields.Select(f => new JsonObject { ["field"] = f.Field, ["new"] = f.New, ["old"] = f.Old })]),
        ["kind"] = change.Kind switch
        {
            ChangeKind.Add => "add",
            ChangeKind.Remove => "remove",
            ChangeKind.Modify => "modify",
            ChangeKind.MovedAway => "movedAway",
            _ => throw new ArgumentOutOfRangeException(nameof(change), change.Kind, null),
        },
        ["name"] = change.Name,
        ["subject"] = change.Subject,
    };
}
