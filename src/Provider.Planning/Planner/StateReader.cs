using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;
using Provider.Planning.Output;

namespace Provider.Planning.Planner;

/// <summary>Reads and writes generated/state.json, accepting any hostenv-shaped state as it is.</summary>
public static class StateReader
{
    public static ProviderState Read(SourceFile? file, DiagnosticBag diagnostics)
    {
        if (file is null || string.IsNullOrWhiteSpace(file.Text))
        {
            return ProviderState.Empty;
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(file.Text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            diagnostics.Add(new Diagnostic(
                PlanCodes.StateInvalid, DiagnosticLevel.Error, "state is not valid JSON: " + ex.Message.Split(" Path:")[0].Split(" LineNumber:")[0],
                new SourcePosition(file.Name, (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1),
                Hint: "restore it from git (git checkout -- " + file.Name + "); it is written by `plan`, not by hand"));
            return ProviderState.Empty;
        }

        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                diagnostics.Add(Invalid(file, "the top level must be a JSON object of reservations", null));
                return ProviderState.Empty;
            }

            var entries = ImmutableSortedDictionary.CreateBuilder<string, StateEntry>(StringComparer.Ordinal);
            var meta = ImmutableSortedDictionary.CreateBuilder<string, JsonNode?>(StringComparer.Ordinal);
            var uidOwners = new Dictionary<int, string>();
            var highWater = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    diagnostics.Add(Invalid(file, $"key '{property.Name}' appears twice", property.Name));
                    continue;
                }

                if (property.Name.StartsWith('_'))
                {
                    // TryGetInt32 throws (rather than failing) on a non-number, so check the kind first.
                    if (property.Name == ProviderState.HighWaterKey && property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var hw))
                    {
                        highWater = hw;
                    }
                    else if (property.Name != ProviderState.HighWaterKey)
                    {
                        meta[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                    }

                    continue;
                }

                var entry = ReadEntry(file, property, diagnostics);
                if (entry is null)
                {
                    continue;
                }

                if (uidOwners.TryGetValue(entry.Uid, out var other))
                {
                    diagnostics.Add(new Diagnostic(
                        PlanCodes.StateDuplicateUid, DiagnosticLevel.Error,
                        $"UID {entry.Uid.ToString(CultureInfo.InvariantCulture)} is reserved by both '{other}' and '{entry.UserName}'",
                        new SourcePosition(file.Name, 0, 0), entry.UserName,
                        "a UID belongs to one environment forever; restore the state from git history or give one entry a fresh UID above every other"));
                    continue;
                }

                uidOwners[entry.Uid] = entry.UserName;
                entries[entry.UserName] = entry;
            }

            var maxUid = entries.Count == 0 ? 0 : entries.Values.Max(e => e.Uid);
            return new ProviderState(entries.ToImmutable(), meta.ToImmutable(), Math.Max(highWater, maxUid));
        }
    }

    private static StateEntry? ReadEntry(SourceFile file, JsonProperty property, DiagnosticBag diagnostics)
    {
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Add(Invalid(file, $"entry '{property.Name}' must be an object with userName, uid, node, virtualHosts", property.Name));
            return null;
        }

        var userName = v.TryGetProperty("userName", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : property.Name;
        if (userName != property.Name)
        {
            diagnostics.Add(Invalid(file, $"entry '{property.Name}' has userName '{userName}'; the key and userName must match", property.Name));
            return null;
        }

        if (!v.TryGetProperty("uid", out var uidElement) || uidElement.ValueKind != JsonValueKind.Number || !uidElement.TryGetInt32(out var uid) || uid < 1 || uid > PlanLimits.MaxUid)
        {
            diagnostics.Add(Invalid(file, $"entry '{property.Name}' needs a numeric uid from 1 to {PlanLimits.MaxUid}", property.Name + ".uid"));
            return null;
        }

        var node = v.TryGetProperty("node", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() ?? "" : "";
        var vhosts = ImmutableArray.CreateBuilder<string>();
        if (v.TryGetProperty("virtualHosts", out var vh))
        {
            if (vh.ValueKind != JsonValueKind.Array || vh.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                diagnostics.Add(Invalid(file, $"entry '{property.Name}' virtualHosts must be a list of names", property.Name + ".virtualHosts"));
                return null;
            }

            vhosts.AddRange(vh.EnumerateArray().Select(x => Vhosts.Normalise(x.GetString() ?? "")));
        }

        var previousNode = v.TryGetProperty("previousNode", out var pn) && pn.ValueKind == JsonValueKind.String ? pn.GetString() : null;
        return new StateEntry(property.Name, uid, node, [.. vhosts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], previousNode);
    }

    private static Diagnostic Invalid(SourceFile file, string message, string? field) =>
        new(PlanCodes.StateInvalid, DiagnosticLevel.Error, message, new SourcePosition(file.Name, 0, 0), field,
            "state.json is written by `plan`; restore it from git if it was edited by hand");

    public static byte[] Write(ProviderState state)
    {
        var root = new JsonObject();
        foreach (var (key, value) in state.Meta)
        {
            root[key] = value?.DeepClone();
        }

        root[ProviderState.DescriptionKey] ??= ProviderState.Description;
        root[ProviderState.HighWaterKey] = state.UidHighWaterMark;
        foreach (var entry in state.Entries.Values)
        {
            var json = new JsonObject
            {
                ["userName"] = entry.UserName,
                ["uid"] = entry.Uid,
                ["node"] = entry.Node,
                ["virtualHosts"] = new JsonArray([.. entry.VirtualHosts.Select(h => (JsonNode?)h)]),
            };
            if (entry.PreviousNode is not null)
            {
                json["previousNode"] = entry.PreviousNode;
            }

            root[entry.UserName] = json;
        }

        return CanonicalJson.Serialize(root);
    }

    public static string WriteToString(ProviderState state) => Encoding.UTF8.GetString(Write(state));
}
