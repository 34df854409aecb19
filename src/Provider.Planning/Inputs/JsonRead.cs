using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Provider.Planning.Inputs;

/// <summary>Typed reads of a schema-validated JSON tree: types are already right, absent means default.</summary>
internal static class JsonRead
{
    public static string? Str(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static bool? Bool(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public static int? Int(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<long>(out var l) && l is >= int.MinValue and <= int.MaxValue ? (int)l : null;

    public static ImmutableArray<string> Strings(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonArray a
            ? [.. a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : "")]
            : [];

    public static ImmutableArray<string> StringOrStrings(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? [s] : Strings(node, key);

    /// <summary>Members of a mapping in ordinal key order (YAML order must not leak into output).</summary>
    public static IEnumerable<KeyValuePair<string, JsonNode?>> Members(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonObject m
            ? m.OrderBy(p => p.Key, StringComparer.Ordinal)
            : [];
}
