using System.Collections.Immutable;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Provider.Planning.Summary;

/// <summary>Field-level differences between two JSON objects, as dotted paths in ordinal order.</summary>
internal static class FieldDiff
{
    public const string Absent = "(none)";

    // Longer values (HSTS is 44 characters) would drown the line; the field name is enough then.
    private const int MaxShownLength = 60;

    private static readonly JsonSerializerOptions QuoteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Objects are descended into, arrays and scalars compared whole. <paramref name="skip"/> gets
    /// each dotted path; <paramref name="namesOnly"/> paths report their changed members by name.
    /// </summary>
    public static ImmutableArray<FieldChange> Compare(JsonObject? old, JsonObject? @new, Func<string, bool>? skip = null, Func<string, bool>? namesOnly = null)
    {
        var into = ImmutableArray.CreateBuilder<FieldChange>();
        Objects(old, @new, "", into, skip ?? (_ => false), namesOnly ?? (_ => false));
        return into.ToImmutable();
    }

    /// <summary>Keys of either object, each once, in ordinal order.</summary>
    public static IEnumerable<string> Keys(JsonObject? a, JsonObject? b) =>
        (a?.Select(p => p.Key) ?? []).Union(b?.Select(p => p.Key) ?? [], StringComparer.Ordinal).Order(StringComparer.Ordinal);

    /// <summary>
    /// One keyed entry (a vhost, a user, a reservation) as added, removed or modified, or null when
    /// it is unchanged or absent on both sides.
    /// </summary>
    public static Change? Entry(string subject, string name, JsonObject? old, JsonObject? @new, Func<JsonObject, string?> describe) => (old, @new) switch
    {
        (null, { } n) => Change.Added(subject, name, describe(n)),
        ({ } o, null) => Change.Removed(subject, name, describe(o)),
        ({ } o, { } n) when Compare(o, n) is { IsEmpty: false } fields => Change.Modified(subject, name, fields),
        _ => null,
    };

    /// <summary>A string or integer as plain text; null for anything else.</summary>
    public static string? Plain(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>A value as it is shown to a person, or null when it is too large to show.</summary>
    public static string? Show(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => ShowString(v.GetValue<string>()),
        JsonValue v => v.ToJsonString(),
        JsonArray a when a.All(i => i is JsonValue or null) => Limit("[" + string.Join(", ", a.Select(Show)) + "]"),
        _ => null,
    };

    private static void Objects(JsonObject? old, JsonObject? @new, string prefix, ImmutableArray<FieldChange>.Builder into, Func<string, bool> skip, Func<string, bool> namesOnly)
    {
        foreach (var key in Keys(old, @new))
        {
            var path = prefix + key;
            if (skip(path))
            {
                continue;
            }

            JsonNode? o = null;
            JsonNode? n = null;
            var hasOld = old is not null && old.TryGetPropertyValue(key, out o);
            var hasNew = @new is not null && @new.TryGetPropertyValue(key, out n);
            if (hasOld == hasNew && JsonNode.DeepEquals(o, n))
            {
                continue;
            }

            if (o is JsonObject oo && n is JsonObject no)
            {
                if (namesOnly(path))
                {
                    into.AddRange(Keys(oo, no)
                        .Where(k => !skip(path + "." + k))
                        .Where(k => oo.ContainsKey(k) != no.ContainsKey(k) || !JsonNode.DeepEquals(oo[k], no[k]))
                        .Select(k => new FieldChange(path + "." + k, null, null)));
                }
                else
                {
                    Objects(oo, no, path + ".", into, skip, namesOnly);
                }

                continue;
            }

            into.Add(new FieldChange(path, hasOld ? Show(o) : Absent, hasNew ? Show(n) : Absent));
        }
    }

    private static string? ShowString(string s)
    {
        // Bare unless the text could be read as something else: another scalar, a list, "(none)".
        var bare = s.Length > 0
            && !s.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or ',' or '(' or ')' or '[' or ']')
            && s is not ("true" or "false" or "null")
            && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        return Limit(bare ? s : JsonSerializer.Serialize(s, QuoteOptions));
    }

    private static string? Limit(string shown) => shown.Length <= MaxShownLength ? shown : null;
}
