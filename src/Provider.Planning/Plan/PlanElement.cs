using System.Collections.Immutable;
using System.Text.Json;

namespace Provider.Planning.Plan;

/// <summary>The first thing wrong in plan.json: where (a JSON path) and what. Caught by <see cref="PlanReader"/> only.</summary>
internal sealed class PlanProblemException(string code, string path, string problem, string? hint = null) : Exception(problem)
{
    public string Code { get; } = code;

    public string Path { get; } = path;

    public string? Hint { get; } = hint;
}

/// <summary>
/// A value in plan.json with its JSON path, and typed reads that stop at the first missing or mistyped field,
/// naming its path. A field the writer may leave null is read with an <c>OrNull</c> method (absent reads as null).
/// </summary>
internal readonly record struct PlanElement(JsonElement Value, string Path)
{
    public PlanElement Object(string key) => Field(key, "an object").AsObject();

    public PlanElement? ObjectOrNull(string key) => Find(key)?.AsObject();

    public string String(string key) => Field(key, "a string").AsString();

    public string? StringOrNull(string key) => Find(key)?.AsString();

    public int Int(string key) => Field(key, "an integer").AsInt();

    public bool Bool(string key)
    {
        var v = Field(key, "true or false");
        return v.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw v.Wrong("true or false"),
        };
    }

    /// <summary>An optional array of strings: empty when the key is absent.</summary>
    public ImmutableArray<string> StringsOrEmpty(string key) => Find(key) is null ? [] : Strings(key);

    public ImmutableArray<string> Strings(string key) => [.. Field(key, "an array of strings").Items().Select(i => i.AsString())];

    public ImmutableArray<PlanElement> Objects(string key) => [.. Field(key, "an array of objects").Items().Select(i => i.AsObject())];

    /// <summary>An object's members whose values are objects (environments, nodes, vhosts...), in file order.</summary>
    public ImmutableArray<(string Key, PlanElement Value)> ObjectMembers(string key)
    {
        var map = Object(key);
        return [.. map.Value.EnumerateObject().Select(p => (p.Name, new PlanElement(p.Value, Member(map.Path, p.Name)).AsObject()))];
    }

    public PlanElement AsObject() => Value.ValueKind == JsonValueKind.Object ? this : throw Wrong("an object");

    public string AsString() => Value.ValueKind == JsonValueKind.String ? Value.GetString() ?? "" : throw Wrong("a string");

    public int AsInt() => Value.ValueKind == JsonValueKind.Number && Value.TryGetInt32(out var i) ? i : throw Wrong("an integer");

    public ImmutableArray<PlanElement> Items()
    {
        if (Value.ValueKind != JsonValueKind.Array)
        {
            throw Wrong("an array");
        }

        var path = Path;
        return [.. Value.EnumerateArray().Select((item, i) => new PlanElement(item, $"{path}[{i}]"))];
    }

    public PlanProblemException Wrong(string expected) =>
        new(Diagnostics.PlanCodes.PlanFileField, Path, $"expected {expected}, found {Describe(Value)}");

    public PlanProblemException Problem(string problem) => new(Diagnostics.PlanCodes.PlanFileField, Path, problem);

    /// <summary>The path of a member, as System.Text.Json writes paths: $.a.b, or $.a['b.c'] for a name with special characters.</summary>
    public static string Member(string path, string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '$')
            ? path + "." + key
            : path + "['" + key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";

    /// <summary>A member that must be present (null is a value here, for the caller's As... read to reject).</summary>
    public PlanElement Field(string key, string expected) =>
        Value.TryGetProperty(key, out var v)
            ? new PlanElement(v, Member(Path, key))
            : throw new PlanProblemException(Diagnostics.PlanCodes.PlanFileField, Member(Path, key), $"missing; expected {expected}");

    private PlanElement? Find(string key) =>
        Value.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? new PlanElement(v, Member(Path, key)) : null;

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "the string " + Short(v.GetRawText()),
        JsonValueKind.Number => "the number " + Short(v.GetRawText()),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Short(string raw) => raw.Length <= 40 ? raw : raw[..37] + "...";
}
