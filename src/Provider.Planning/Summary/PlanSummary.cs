using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Provider.Planning.Summary;

/// <summary>What a new plan.json/state.json pair changes against the committed pair, for people and machines.</summary>
public static class PlanSummary
{
    private static readonly JsonDocumentOptions ReadOptions = new() { AllowDuplicateProperties = false };

    private static readonly string[] SubjectOrder = [Subjects.Node, Subjects.Environment, Subjects.Vhost, Subjects.User, Subjects.Slice];

    /// <summary>
    /// Old texts that are null or empty mean nothing is committed yet. Old texts that cannot be read
    /// are compared as empty and a note says so: a broken committed file must not stop a plan.
    /// The new texts are the planner's own output, so an unreadable one is a bug and throws.
    /// </summary>
    public static PlanChanges Compare(string? oldPlanJson, string? oldStateJson, string newPlanJson, string newStateJson)
    {
        var notes = ImmutableArray.CreateBuilder<string>();
        var oldPlan = ReadCommitted(oldPlanJson, "plan.json", notes);
        var oldState = ReadCommitted(oldStateJson, "state.json", notes);
        var newPlan = ReadGenerated(newPlanJson, nameof(newPlanJson));
        var newState = ReadGenerated(newStateJson, nameof(newStateJson));

        var placed = EnvironmentChanges.Compare(oldPlan["environments"] as JsonObject, newPlan["environments"] as JsonObject, newState)
            .Concat(NodeSystemChanges.Compare(oldPlan, newPlan))
            .ToList();
        var nodes = placed
            .GroupBy(p => p.Node, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new NodeChanges(g.Key, [.. g
                .OrderBy(p => p.Environment, StringComparer.Ordinal)
                .ThenBy(p => Array.IndexOf(SubjectOrder, p.Change.Subject))
                .ThenBy(p => p.Change.Name, StringComparer.Ordinal)
                .Select(p => p.Change)]));

        var explained = placed
            .Where(p => p.Change.Subject == Subjects.Environment)
            .Select(p => p.Change.Name)
            .ToHashSet(StringComparer.Ordinal);
        var global = GlobalChanges.Plan(oldPlan, newPlan).Concat(GlobalChanges.State(oldState, newState, explained));
        return new PlanChanges([.. nodes], [.. global], notes.ToImmutable());
    }

    private static JsonObject ReadCommitted(string? json, string name, ImmutableArray<string>.Builder notes)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            if (JsonNode.Parse(json, documentOptions: ReadOptions) is JsonObject obj)
            {
                return obj;
            }

            notes.Add($"the committed {name} is not a JSON object; compared as if nothing was committed");
        }
        catch (JsonException e)
        {
            notes.Add($"the committed {name} is not valid JSON ({e.Message}); compared as if nothing was committed");
        }

        return [];
    }

    private static JsonObject ReadGenerated(string json, string parameter)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: ReadOptions) as JsonObject
                ?? throw new ArgumentException("The new plan or state is not a JSON object.", parameter);
        }
        catch (JsonException e)
        {
            throw new ArgumentException("The new plan or state is not valid JSON: " + e.Message, parameter, e);
        }
    }
}
