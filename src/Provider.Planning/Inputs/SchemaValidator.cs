using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Provider.Planning.Diagnostics;

namespace Provider.Planning.Inputs;

/// <summary>
/// Validates a parsed YAML document against its published schema and turns every failure into a
/// diagnostic with position, field path, what is wrong and how to fix it.
/// </summary>
public static class SchemaValidator
{
    // Options objects are long-lived (JsonSchema.Net rebuilds its caches per options instance, which made
    // validation 8x slower when a new one was made per file: 10,000 manifests 2.4 s -> 0.29 s), and each
    // thread and pass has its own schema instance (Schemas.Evaluate).
    public static bool Validate(YamlDocument doc, SchemaKind kind, DiagnosticBag diagnostics)
    {
        var instance = doc.Root ?? new JsonObject(); // an empty file is an empty mapping: "required" reports what is missing
        if (instance is not JsonObject)
        {
            diagnostics.Add(new Diagnostic(
                ManifestCodes.WrongType, DiagnosticLevel.Error,
                $"the file must be a YAML mapping (key: value lines), found {Describe(instance)}",
                doc.PositionOf(""), Hint: $"see the schema {Schemas.FileName(kind)} (hostenv-provider schema --out DIR)"));
            return false;
        }

        // Valid files (the common case) only need a yes: first the quick one, then JsonSchema.Net's yes/no pass;
        // the detailed pass explains failures.
        if (Schemas.FastPath(kind)?.Check(instance) == SchemaFastPath.Verdict.Valid
            || Schemas.Evaluate(kind, instance, detailed: false).IsValid)
        {
            return true;
        }

        var results = Schemas.Evaluate(kind, instance, detailed: true);

        var schemaDoc = Schemas.Document(kind);
        var found = new List<(string Pointer, string Keyword, Diagnostic Diagnostic)>();
        var oneOfLocations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var detail in results.Details)
        {
            if (detail.Errors is null || detail.Errors.Count == 0)
            {
                continue;
            }

            var pointer = detail.InstanceLocation.ToString();
            var evaluationPath = detail.EvaluationPath.ToString();
            if (evaluationPath.Contains("/oneOf/", StringComparison.Ordinal))
            {
                // A failing branch of a oneOf: when the oneOf failed it is reported once, as a whole, and when another
                // branch matched (build: [..] failing the text branch) it is no error at all.
                continue;
            }

            var schemaPointer = SchemaPointer(schemaDoc, evaluationPath);
            foreach (var (keyword, message) in detail.Errors)
            {
                if (keyword == "oneOf")
                {
                    oneOfLocations.Add(pointer);
                }

                foreach (var d in Describe(doc, instance, schemaDoc, pointer, schemaPointer, keyword, message))
                {
                    found.Add((pointer, keyword, d));
                }
            }
        }

        var added = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (pointer, keyword, diagnostic) in found)
        {
            // A oneOf failure explains itself; the branch errors under it are noise.
            if (oneOfLocations.Contains(pointer) && keyword != "oneOf")
            {
                continue;
            }

            if (seen.Add(diagnostic.Format()))
            {
                diagnostics.Add(diagnostic);
                added++;
            }
        }

        return added == 0;
    }

    private static IEnumerable<Diagnostic> Describe(
        YamlDocument doc, JsonNode root, JsonNode schemaDoc, string pointer, string schemaPointer, string keyword, string message)
    {
        var field = YamlDocument.FieldPath(pointer);
        var schemaNode = Navigate(schemaDoc, schemaPointer);
        var value = Navigate(root, pointer);
        var position = doc.PositionOf(pointer);
        switch (keyword)
        {
            case "" when schemaPointer.EndsWith("/additionalProperties", StringComparison.Ordinal):
                var parentSchema = Navigate(schemaDoc, schemaPointer[..schemaPointer.LastIndexOf('/')]);
                var known = (parentSchema?["properties"] as JsonObject)?.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray() ?? [];
                var key = pointer[(pointer.LastIndexOf('/') + 1)..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                var suggestion = Suggest.Closest(key, known);
                yield return new Diagnostic(
                    ManifestCodes.UnknownKey, DiagnosticLevel.Error,
                    $"unknown key '{DiagnosticText.Visible(key)}'" + (suggestion is null ? "" : $"; did you mean '{suggestion}'?"),
                    doc.KeyPositionOf(pointer), field,
                    known.Length == 0 ? "remove it" : "known keys here: " + string.Join(", ", known));
                break;
            case "required":
                var required = (schemaNode?["required"] as JsonArray)?.Select(n => n?.GetValue<string>() ?? "") ?? [];
                var present = value as JsonObject;
                foreach (var name in required.Where(r => present is null || !present.ContainsKey(r)))
                {
                    var childField = pointer.Length == 0 ? name : field + "." + name;
                    yield return new Diagnostic(
                        ManifestCodes.MissingField, DiagnosticLevel.Error,
                        $"required field '{name}' is missing", position, childField,
                        $"add '{name}:'" + DescriptionHint(schemaNode?["properties"]?[name]));
                }

                break;
            case "type":
                yield return new Diagnostic(
                    ManifestCodes.WrongType, DiagnosticLevel.Error,
                    $"expected {ExpectedType(schemaNode?["type"])}, found {Describe(value)}", position, field,
                    TypeHint(schemaNode?["type"]));
                break;
            case "oneOf":
                yield return new Diagnostic(
                    ManifestCodes.WrongType, DiagnosticLevel.Error,
                    $"expected {string.Join(" or ", (schemaNode?["oneOf"] as JsonArray ?? []).Select(b => ExpectedType(b?["type"])))}, found {Describe(value)}",
                    position, field, "see the schema for the accepted forms");
                break;
            case "enum":
                var options = (schemaNode?["enum"] as JsonArray ?? []).Select(n => n?.ToJsonString() ?? "null").ToArray();
                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "null";
                var close = Suggest.Closest(text, options.Select(o => o.Trim('"')).ToArray());
                yield return new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error,
                    $"'{text}' is not allowed" + (close is null ? "" : $"; did you mean '{close}'?"), position, field,
                    "use one of: " + string.Join(", ", options.Select(o => o.Trim('"'))));
                break;
            case "pattern":
                yield return new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error,
                    $"'{DiagnosticText.Visible(Describe(value, quoteStrings: false))}' does not have the required form", position, field,
                    PatternHint(schemaNode));
                break;
            case "minimum" or "maximum":
                yield return new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error,
                    $"{Describe(value, quoteStrings: false)} is out of range", position, field,
                    $"use a value from {schemaNode?["minimum"]?.ToJsonString() ?? "-∞"} to {schemaNode?["maximum"]?.ToJsonString() ?? "∞"}");
                break;
            case "minLength":
                yield return new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error, "must not be empty", position, field, "give it a value or remove the key");
                break;
            case "uniqueItems":
                yield return new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error, "the list has repeated entries", position, field, "remove the duplicates");
                break;
            default:
                yield return new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error, message, position, field,
                    "see the schema (hostenv-provider schema --out DIR)");
                break;
        }
    }

    /// <summary>Every pattern in the schemas carries a description of the form it wants (a test holds them to it).</summary>
    private static string PatternHint(JsonNode? schemaNode) =>
        schemaNode?["description"]?.GetValue<string>() ?? "must match " + (schemaNode?["pattern"]?.GetValue<string>() ?? "the schema's pattern");

    private static string DescriptionHint(JsonNode? property)
    {
        var d = property?["description"]?.GetValue<string>();
        return d is null ? "" : " (" + d + ")";
    }

    private static string TypeHint(JsonNode? type) => ExpectedType(type) switch
    {
        "a number (integer)" => "write a whole number without quotes",
        "true or false" => "write true or false without quotes",
        "a text" => "quote the value: \"...\"",
        "a list" => "write one '- item' per line",
        var t when t.StartsWith("a mapping", StringComparison.Ordinal) => "write 'key: value' lines indented under this key",
        var t => "write " + t,
    };

    private static string ExpectedType(JsonNode? type) => type switch
    {
        JsonArray arr => string.Join(" or ", arr.Select(t => ExpectedType(t))),
        JsonValue v when v.TryGetValue<string>(out var s) => s switch
        {
            "integer" => "a number (integer)",
            "number" => "a number",
            "boolean" => "true or false",
            "string" => "a text",
            "array" => "a list",
            "object" => "a mapping (key: value)",
            "null" => "nothing",
            _ => s,
        },
        _ => "a value of another type",
    };

    private static string Describe(JsonNode? value, bool quoteStrings = true) => value switch
    {
        null => quoteStrings ? "nothing (null)" : "null",
        JsonObject => "a mapping",
        JsonArray => "a list",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => quoteStrings ? $"the text \"{v.GetValue<string>()}\"" : v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => quoteStrings ? $"the boolean {v.ToJsonString()}" : v.ToJsonString(),
        _ => quoteStrings ? $"the number {value.ToJsonString()}" : value.ToJsonString(),
    };

    /// <summary>
    /// Where in the schema document a failing subschema is. JsonSchema.Net 7.4.0 reports a subschema nested
    /// inside a $ref target relative to that target (#/properties/security/... for what is
    /// #/$defs/virtualHost/properties/security/...), so hints and known keys came out empty there; the
    /// evaluation path, with each $ref followed, names the right node.
    /// </summary>
    internal static string SchemaPointer(JsonNode schemaDoc, string evaluationPath)
    {
        var pointer = "";
        foreach (var segment in evaluationPath.Split('/').Skip(1))
        {
            pointer = segment == "$ref" && Navigate(schemaDoc, pointer)?["$ref"]?.GetValue<string>() is { } target
                ? Uri.UnescapeDataString(target.StartsWith('#') ? target[1..] : target)
                : pointer + "/" + segment;
        }

        return pointer;
    }

    internal static JsonNode? Navigate(JsonNode? node, string pointer)
    {
        if (pointer.Length == 0)
        {
            return node;
        }

        foreach (var raw in pointer[1..].Split('/'))
        {
            var token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o.TryGetPropertyValue(token, out var child) ? child : null,
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }
}
