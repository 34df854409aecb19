using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;
using Provider.Planning.Output;

namespace Provider.Planning.Planner;

/// <summary>Reads and writes generated/state.json, accepting any hostenv-shaped state as it is.</summary>
public static partial class StateReader
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

        var map = new JsonSourceMap(file);
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                diagnostics.Add(Invalid(map.PositionOf(""), "the top level must be a JSON object of reservations", null));
                return ProviderState.Empty;
            }

            var entries = ImmutableSortedDictionary.CreateBuilder<string, StateEntry>(StringComparer.Ordinal);
            var meta = ImmutableSortedDictionary.CreateBuilder<string, JsonNode?>(StringComparer.Ordinal);
            var uidOwners = new Dictionary<int, string>();
            var highWater = 0;
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var property in json.RootElement.EnumerateObject())
            {
                var pointer = YamlDocument.Child("", property.Name);
                var occurrence = seen[property.Name] = seen.GetValueOrDefault(property.Name, -1) + 1;
                if (occurrence > 0)
                {
                    diagnostics.Add(Invalid(map.KeyPositionOf(pointer, occurrence),
                        $"key '{Shown(property.Name)}' appears twice (first at line {map.KeyPositionOf(pointer).Line})", Shown(property.Name)));
                    continue;
                }

                if (property.Name.StartsWith('_'))
                {
                    if (property.Name != ProviderState.HighWaterKey)
                    {
                        meta[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                    }
                    else if (IsUid(property.Value, 0, out var hw))
                    {
                        highWater = hw;
                    }
                    else
                    {
                        // Dropping it would let a UID that was handed out and pruned be handed out again.
                        diagnostics.Add(Invalid(map.PositionOf(pointer),
                            $"{ProviderState.HighWaterKey} must be a whole number from 0 to {PlanLimits.MaxUid}, found {Describe(property.Value)}", property.Name));
                    }

                    continue;
                }

                var entry = ReadEntry(map, pointer, property, diagnostics);
                if (entry is null)
                {
                    continue;
                }

                if (uidOwners.TryGetValue(entry.Uid, out var other))
                {
                    diagnostics.Add(new Diagnostic(
                        PlanCodes.StateDuplicateUid, DiagnosticLevel.Error,
                        $"UID {entry.Uid.ToString(CultureInfo.InvariantCulture)} is reserved by both '{other}' and '{entry.UserName}'",
                        map.PositionOf(pointer + "/uid"), entry.UserName,
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

    private static StateEntry? ReadEntry(JsonSourceMap map, string pointer, JsonProperty property, DiagnosticBag diagnostics)
    {
        var v = property.Value;
        var name = Shown(property.Name);
        if (v.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Add(Invalid(map.PositionOf(pointer), $"entry '{name}' must be an object with userName, uid, node, virtualHosts; found {Describe(v)}", name));
            return null;
        }

        if (v.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            var child = YamlDocument.Child(pointer, repeated.Key);
            diagnostics.Add(Invalid(map.KeyPositionOf(child, 1),
                $"entry '{name}' names '{Shown(repeated.Key)}' twice (first at line {map.KeyPositionOf(child).Line})", name + "." + Shown(repeated.Key)));
            return null;
        }

        if (!UserNamePattern().IsMatch(property.Name))
        {
            diagnostics.Add(Invalid(map.KeyPositionOf(pointer), $"'{name}' is not a user name hostenv-provider would reserve", name));
            return null;
        }

        string? userName = property.Name;
        if (v.TryGetProperty("userName", out var u))
        {
            userName = u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            if (userName != property.Name)
            {
                diagnostics.Add(Invalid(map.PositionOf(pointer + "/userName"),
                    $"entry '{name}' has userName {Describe(u)}; the key and userName must match", name + ".userName"));
                return null;
            }
        }

        if (!v.TryGetProperty("uid", out var uidElement) || !IsUid(uidElement, 1, out var uid))
        {
            diagnostics.Add(Invalid(map.PositionOf(pointer + "/uid"), $"entry '{name}' needs a numeric uid from 1 to {PlanLimits.MaxUid}", name + ".uid"));
            return null;
        }

        var node = NodeName(map, pointer, v, "node", name, diagnostics, out var nodeOk) ?? "";
        var previousNode = NodeName(map, pointer, v, "previousNode", name, diagnostics, out var previousOk);
        if (!nodeOk || !previousOk)
        {
            return null;
        }

        var vhosts = ImmutableArray.CreateBuilder<string>();
        if (v.TryGetProperty("virtualHosts", out var vh))
        {
            if (vh.ValueKind != JsonValueKind.Array)
            {
                diagnostics.Add(Invalid(map.PositionOf(pointer + "/virtualHosts"), $"entry '{name}' virtualHosts must be a list of names, found {Describe(vh)}", name + ".virtualHosts"));
                return null;
            }

            var i = 0;
            foreach (var item in vh.EnumerateArray())
            {
                var host = item.ValueKind == JsonValueKind.String ? item.GetString() ?? "" : null;
                if (host is null || !HostForms.IsDnsName(Vhosts.Normalise(host), 2, allowWildcard: true))
                {
                    var at = pointer + "/virtualHosts/" + i.ToString(CultureInfo.InvariantCulture);
                    diagnostics.Add(Invalid(map.PositionOf(at), $"entry '{name}' virtualHosts holds {Describe(item)}, which is not a host name", name + ".virtualHosts." + i.ToString(CultureInfo.InvariantCulture)));
                    return null;
                }

                vhosts.Add(Vhosts.Normalise(host));
                i++;
            }
        }

        return new StateEntry(property.Name, uid, node, [.. vhosts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], previousNode);
    }

    /// <summary>A node name field: absent or null is allowed (hostenv states may lack it); anything else must name a node.</summary>
    private static string? NodeName(JsonSourceMap map, string pointer, JsonElement entry, string key, string name, DiagnosticBag diagnostics, out bool ok)
    {
        ok = true;
        if (!entry.TryGetProperty(key, out var n) || n.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (n.ValueKind == JsonValueKind.String && n.GetString() is { } s && (s.Length == 0 || FleetPlanner.IsNodeName(s)))
        {
            return s.Length == 0 ? null : s;
        }

        diagnostics.Add(Invalid(map.PositionOf(pointer + "/" + key), $"entry '{name}' {key} must be a node name, found {Describe(n)}", name + "." + key));
        ok = false;
        return null;
    }

    // TryGetInt32 throws (rather than failing) on a non-number, so check the kind first.
    private static bool IsUid(JsonElement e, int min, out int uid)
    {
        uid = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out uid) && uid >= min && uid <= PlanLimits.MaxUid;
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"'{Shown(e.GetString() ?? "")}'",
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => e.GetRawText(),
    };

    private static string Shown(string text) => DiagnosticText.Visible(text.Length > 80 ? text[..77] + "..." : text);

    /// <summary>What the planner reserves (slug-slug-hash), and what useradd accepts: lowercase, digits, '_' and '-', at most 32.</summary>
    [GeneratedRegex(@"^[a-z_][a-z0-9_-]{0,31}\z")]
    private static partial Regex UserNamePattern();

    private static Diagnostic Invalid(SourcePosition position, string message, string? field) =>
        new(PlanCodes.StateInvalid, DiagnosticLevel.Error, message, position, field,
            "state.json is written by `plan`; restore it from git if it was edited by hand");

    /// <summary>
    /// Streams the state in canonical form (ordinal keys, as <see cref="CanonicalJson"/> writes): a JSON tree of every
    /// reservation cost a tenth of the planner's time at 10,000 environments. The members are those of one object
    /// filled in this order, a later one replacing an earlier: the "_" metadata, the description when there is none,
    /// the high-water mark, then one object per reservation.
    /// </summary>
    public static byte[] Write(ProviderState state)
    {
        var meta = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in state.Meta)
        {
            meta[key] = value;
        }

        if (meta.GetValueOrDefault(ProviderState.DescriptionKey) is null)
        {
            meta[ProviderState.DescriptionKey] = ProviderState.Description;
        }

        meta[ProviderState.HighWaterKey] = state.UidHighWaterMark;
        var entries = new Dictionary<string, StateEntry>(StringComparer.Ordinal);
        foreach (var entry in state.Entries.Values)
        {
            entries[entry.UserName] = entry;
            meta.Remove(entry.UserName);
        }

        var keys = new string[meta.Count + entries.Count];
        meta.Keys.CopyTo(keys, 0);
        entries.Keys.CopyTo(keys, meta.Count);
        Array.Sort(keys, StringComparer.Ordinal);

        using var w = new SortedJsonWriter();
        w.StartObject();
        foreach (var key in keys)
        {
            if (!entries.TryGetValue(key, out var entry))
            {
                w.Node(key, meta[key]);
                continue;
            }

            w.StartObject(key);
            w.String("node", entry.Node);
            if (entry.PreviousNode is not null)
            {
                w.String("previousNode", entry.PreviousNode);
            }

            w.Number("uid", entry.Uid);
            w.String("userName", entry.UserName);
            w.Strings("virtualHosts", entry.VirtualHosts);
            w.EndObject();
        }

        w.EndObject();
        return w.ToBytes();
    }

    public static string WriteToString(ProviderState state) => Encoding.UTF8.GetString(Write(state));
}
