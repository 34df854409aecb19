using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Provider.Planning.Inputs;

/// <summary>The JSON Schemas the tool publishes (`schema --out DIR`) and validates every input against.</summary>
public static class Schemas
{
    private static readonly FrozenDictionary<SchemaKind, string> FileNames = new Dictionary<SchemaKind, string>
    {
        [SchemaKind.Provider] = "provider.schema.json",
        [SchemaKind.Node] = "node.schema.json",
        [SchemaKind.Hostenv] = "hostenv.schema.json",
    }.ToFrozenDictionary();

    private static readonly Lazy<FrozenDictionary<SchemaKind, JsonNode>> Documents = new(Load);

    public static string FileName(SchemaKind kind) => FileNames[kind];

    /// <summary>Schema files as published, ordered by file name.</summary>
    public static IReadOnlyList<(string FileName, string Text)> All() =>
        [.. FileNames.Values.Order(StringComparer.Ordinal).Select(n => (n, ReadResource(n)))];

    /// <summary>
    /// Evaluates against a schema instance private to this thread and to this options object. JsonSchema.Net
    /// 7.4.0 caches evaluation constraints on the schema per options object: one instance shared across
    /// threads, or across the fast and the detailed pass, races (json-everything#929; seen here as an invalid
    /// manifest passing validation when plans ran in parallel).
    /// </summary>
    internal static EvaluationResults Evaluate(SchemaKind kind, JsonNode instance, bool detailed)
    {
        var mine = PerThread.Value!;
        if (!mine.Schemas.TryGetValue((kind, detailed), out var schema))
        {
            mine.Schemas[(kind, detailed)] = schema = JsonSchema.FromText(ReadResource(FileNames[kind]));
        }

        return schema.Evaluate(instance, detailed ? mine.Detail : mine.Fast);
    }

    private sealed class ThreadSchemas
    {
        public EvaluationOptions Fast { get; } = new() { OutputFormat = OutputFormat.Flag };

        public EvaluationOptions Detail { get; } = new() { OutputFormat = OutputFormat.List };

        public Dictionary<(SchemaKind, bool), JsonSchema> Schemas { get; } = [];
    }

    private static readonly ThreadLocal<ThreadSchemas> PerThread = new(() => new ThreadSchemas());

    private static readonly Lazy<FrozenDictionary<SchemaKind, SchemaFastPath?>> FastPaths = new(() =>
        FileNames.ToFrozenDictionary(f => f.Key, f => SchemaFastPath.Compile(JsonSchema.FromText(ReadResource(f.Value)))));

    /// <summary>
    /// The quick yes for valid files (<see cref="SchemaFastPath"/>), or null when the schema uses a keyword it does not
    /// know. It keeps a schema instance of its own that is never evaluated, and only reads it, so threads share it.
    /// </summary>
    internal static SchemaFastPath? FastPath(SchemaKind kind) => FastPaths.Value[kind];

    internal static JsonNode Document(SchemaKind kind) => Documents.Value[kind];

    /// <summary>The schema documents as JSON, for turning failures into diagnostics (evaluation uses <see cref="Evaluate"/>).</summary>
    private static FrozenDictionary<SchemaKind, JsonNode> Load() =>
        FileNames.ToFrozenDictionary(f => f.Key, f => JsonNode.Parse(ReadResource(f.Value)) ?? throw new InvalidOperationException(f.Value));

    private static string ReadResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded schema {name} is missing from the build");
        // Embedded in the assembly, so reading it is not I/O with the outside world.
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
