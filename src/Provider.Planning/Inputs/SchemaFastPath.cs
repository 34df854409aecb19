using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Provider.Planning.Inputs;

/// <summary>
/// A quick yes for files that satisfy their schema, so the common case skips JsonSchema.Net's evaluation (a third
/// of the planner's time at 10,000 environments). Built from JsonSchema.Net's own parsed keywords (its regexes, its
/// numbers) and only for the keywords our schemas use: any other keyword makes <see cref="Compile"/> give up, and
/// then every file goes to JsonSchema.Net as before. It answers <see cref="Verdict.Valid"/> only when every keyword
/// surely holds and <see cref="Verdict.Invalid"/> only when one surely fails; anything it is unsure of (a number
/// with a fraction against "integer", a non-ASCII string against minLength, an enum miss, repeated list items) is
/// <see cref="Verdict.Unknown"/>. Only Valid skips JsonSchema.Net, so every failure is still found and explained by
/// it (a test compares the two over every YAML input in the repository).
/// </summary>
internal sealed class SchemaFastPath
{
    internal enum Verdict
    {
        Valid,
        Invalid,
        Unknown,
    }

    private readonly Rule root;

    private SchemaFastPath(Rule root) => this.root = root;

    public Verdict Check(JsonNode? instance) => root.Check(instance);

    /// <summary>The fast path for a schema, or null when it uses a keyword this class does not know.</summary>
    public static SchemaFastPath? Compile(JsonSchema schema)
    {
        try
        {
            return new SchemaFastPath(new Compiler(schema).Compile(schema));
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private sealed class Compiler(JsonSchema document)
    {
        private readonly Dictionary<JsonSchema, Rule> done = new(ReferenceEqualityComparer.Instance);

        public Rule Compile(JsonSchema schema)
        {
            if (done.TryGetValue(schema, out var existing))
            {
                return existing;
            }

            var rule = new Rule();
            done[schema] = rule;
            if (schema.BoolValue is { } b)
            {
                rule.Always = b;
                return rule;
            }

            foreach (var keyword in schema.Keywords ?? [])
            {
                switch (keyword)
                {
                    case TypeKeyword t:
                        rule.Types = t.Type;
                        break;
                    case PropertiesKeyword p:
                        rule.Properties = p.Properties.ToDictionary(kv => kv.Key, kv => Compile(kv.Value), StringComparer.Ordinal);
                        break;
                    case AdditionalPropertiesKeyword a:
                        rule.Additional = Compile(a.Schema);
                        break;
                    case RequiredKeyword r:
                        rule.Required = [.. r.Properties];
                        break;
                    case MinLengthKeyword m:
                        rule.MinLength = m.Value;
                        break;
                    case PatternKeyword p:
                        // The regex JsonSchema.Net itself matches with (ECMAScript semantics); obsolete in 7.4 only
                        // in favour of the pattern text. Built once here, then shared by every thread (Regex is safe so).
#pragma warning disable CS0618
                        rule.Pattern = p.Value ?? throw new NotSupportedException("pattern " + p.Pattern);
#pragma warning restore CS0618
                        break;
                    case ItemsKeyword i:
                        rule.Items = Compile(i.SingleSchema ?? throw new NotSupportedException("items as a list"));
                        break;
                    case EnumKeyword e:
                        rule.Enum = [.. e.Values];
                        break;
                    case UniqueItemsKeyword u:
                        rule.UniqueItems = u.Value;
                        break;
                    case MinItemsKeyword m:
                        rule.MinItems = m.Value;
                        break;
                    case MinimumKeyword m:
                        rule.Minimum = m.Value;
                        break;
                    case MaximumKeyword m:
                        rule.Maximum = m.Value;
                        break;
                    case OneOfKeyword o:
                        rule.OneOf = [.. o.Schemas.Select(Compile)];
                        break;
                    case RefKeyword r:
                        rule.Ref = Compile(Definition(r.Reference));
                        break;
                    case DefsKeyword or DescriptionKeyword or DefaultKeyword or TitleKeyword or SchemaKeyword or IdKeyword or CommentKeyword or ExamplesKeyword:
                        break; // annotations only
                    default:
                        throw new NotSupportedException(keyword.GetType().Name);
                }
            }

            return rule;
        }

        /// <summary>Only local references into this document's $defs ("#/$defs/name").</summary>
        private JsonSchema Definition(Uri reference)
        {
            const string Prefix = "#/$defs/";
            var text = reference.OriginalString;
            var name = text.StartsWith(Prefix, StringComparison.Ordinal) ? Uri.UnescapeDataString(text[Prefix.Length..]) : null;
            if (name is null || name.Contains('/', StringComparison.Ordinal) || name.Contains('~', StringComparison.Ordinal)
                || document.GetKeyword<DefsKeyword>()?.Definitions.TryGetValue(name, out var target) != true || target is null)
            {
                throw new NotSupportedException("reference " + text);
            }

            return target;
        }
    }

    private sealed class Rule
    {
        public bool? Always { get; set; }

        public SchemaValueType? Types { get; set; }

        public Dictionary<string, Rule>? Properties { get; set; }

        public Rule? Additional { get; set; }

        public string[]? Required { get; set; }

        public uint? MinLength { get; set; }

        public Regex? Pattern { get; set; }

        public Rule? Items { get; set; }

        public JsonNode?[]? Enum { get; set; }

        public bool UniqueItems { get; set; }

        public uint? MinItems { get; set; }

        public decimal? Minimum { get; set; }

        public decimal? Maximum { get; set; }

        public Rule[]? OneOf { get; set; }

        public Rule? Ref { get; set; }

        public Verdict Check(JsonNode? instance)
        {
            if (Always is { } always)
            {
                return always ? Verdict.Valid : Verdict.Invalid;
            }

            var verdict = Verdict.Valid;
            bool Fails(Verdict v)
            {
                if (v == Verdict.Unknown)
                {
                    verdict = Verdict.Unknown;
                }

                return v == Verdict.Invalid;
            }

            var kind = KindOf(instance, out var text, out var integer);
            if (Types is { } types && Fails(TypeVerdict(types, kind)))
            {
                return Verdict.Invalid;
            }

            switch (instance)
            {
                case JsonObject obj:
                    foreach (var name in Required ?? [])
                    {
                        if (!obj.ContainsKey(name))
                        {
                            return Verdict.Invalid;
                        }
                    }

                    if (Properties is not null || Additional is not null)
                    {
                        foreach (var (name, value) in obj)
                        {
                            var rule = Properties is not null && Properties.TryGetValue(name, out var p) ? p : Additional;
                            if (rule is not null && Fails(rule.Check(value)))
                            {
                                return Verdict.Invalid;
                            }
                        }
                    }

                    break;
                case JsonArray array:
                    if (MinItems is { } minItems && array.Count < minItems)
                    {
                        return Verdict.Invalid;
                    }

                    if (Items is not null)
                    {
                        foreach (var item in array)
                        {
                            if (Fails(Items.Check(item)))
                            {
                                return Verdict.Invalid;
                            }
                        }
                    }

                    if (UniqueItems && array.Count > 1 && !DistinctStrings(array))
                    {
                        verdict = Verdict.Unknown;
                    }

                    break;
            }

            if (text is not null)
            {
                if (MinLength is { } minLength && text.Length < minLength)
                {
                    return Verdict.Invalid; // UTF-16 units never undercount code points or text elements
                }

                if (MinLength is not null && !Ascii(text))
                {
                    verdict = Verdict.Unknown;
                }

                if (Pattern is not null && !Pattern.IsMatch(text))
                {
                    return Verdict.Invalid;
                }
            }

            if (Minimum is not null || Maximum is not null)
            {
                if (integer is { } n)
                {
                    if (n < Minimum || n > Maximum)
                    {
                        return Verdict.Invalid;
                    }
                }
                else if (kind == Kind.Fraction)
                {
                    verdict = Verdict.Unknown;
                }
            }

            if (Enum is not null && !InEnum(Enum, instance, kind, text, integer))
            {
                verdict = Verdict.Unknown;
            }

            if (OneOf is not null && Fails(OneOfVerdict(OneOf, instance)))
            {
                return Verdict.Invalid;
            }

            if (Ref is not null && Fails(Ref.Check(instance)))
            {
                return Verdict.Invalid;
            }

            return verdict;
        }

        private static Verdict OneOfVerdict(Rule[] branches, JsonNode? instance)
        {
            int valid = 0, invalid = 0;
            foreach (var branch in branches)
            {
                switch (branch.Check(instance))
                {
                    case Verdict.Valid:
                        valid++;
                        break;
                    case Verdict.Invalid:
                        invalid++;
                        break;
                }
            }

            return valid == 1 && invalid == branches.Length - 1 ? Verdict.Valid
                : valid > 1 || invalid == branches.Length ? Verdict.Invalid
                : Verdict.Unknown;
        }

        private static Verdict TypeVerdict(SchemaValueType types, Kind kind) => kind switch
        {
            Kind.Object => Has(types, SchemaValueType.Object),
            Kind.Array => Has(types, SchemaValueType.Array),
            Kind.String => Has(types, SchemaValueType.String),
            Kind.Boolean => Has(types, SchemaValueType.Boolean),
            Kind.Null => Has(types, SchemaValueType.Null),
            Kind.Integer => Has(types, SchemaValueType.Integer | SchemaValueType.Number),
            // Whether 2.0 counts as an integer is JsonSchema.Net's call.
            Kind.Fraction => (types & SchemaValueType.Number) != 0 ? Verdict.Valid
                : (types & SchemaValueType.Integer) != 0 ? Verdict.Unknown : Verdict.Invalid,
            _ => Verdict.Unknown,
        };

        private static Verdict Has(SchemaValueType types, SchemaValueType wanted) => (types & wanted) != 0 ? Verdict.Valid : Verdict.Invalid;

        private static bool InEnum(JsonNode?[] options, JsonNode? instance, Kind kind, string? text, long? integer)
        {
            foreach (var option in options)
            {
                var match = option switch
                {
                    null => instance is null,
                    JsonValue v when text is not null && v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() == text,
                    JsonValue v when integer is not null && v.GetValueKind() == JsonValueKind.Number => v.TryGetValue<long>(out var l) && l == integer,
                    _ => false,
                };
                if (match && (option is not null || kind == Kind.Null))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool DistinctStrings(JsonArray array)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in array)
            {
                if (item is not JsonValue v || v.GetValueKind() != JsonValueKind.String || !seen.Add(v.GetValue<string>()))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool Ascii(string text)
        {
            foreach (var c in text)
            {
                if (c > '\u007f')
                {
                    return false;
                }
            }

            return true;
        }
    }

    private enum Kind
    {
        Object,
        Array,
        String,
        Boolean,
        Null,
        Integer,
        Fraction,
        Other,
    }

    private static Kind KindOf(JsonNode? node, out string? text, out long? integer)
    {
        text = null;
        integer = null;
        switch (node)
        {
            case null:
                return Kind.Null;
            case JsonObject:
                return Kind.Object;
            case JsonArray:
                return Kind.Array;
            case JsonValue v:
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String:
                        text = v.GetValue<string>();
                        return Kind.String;
                    case JsonValueKind.True or JsonValueKind.False:
                        return Kind.Boolean;
                    case JsonValueKind.Null:
                        return Kind.Null;
                    case JsonValueKind.Number when v.TryGetValue<long>(out var l):
                        integer = l;
                        return Kind.Integer;
                    case JsonValueKind.Number:
                        return Kind.Fraction;
                }

                return Kind.Other;
            default:
                return Kind.Other;
        }
    }
}
