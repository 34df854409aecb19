using System.Text.Json.Nodes;
using Json.Schema;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;

namespace Provider.Planning.Tests.Inputs;

/// <summary>
/// The quick yes (<see cref="SchemaFastPath"/>) must never accept what JsonSchema.Net rejects, nor call invalid
/// what it accepts: compared over every YAML input in the repository and, for each valid one, every leaf swapped
/// for values of other kinds and edges (empty, non-ASCII, out of range, repeated, fractions, null, lists, mappings).
/// </summary>
public class SchemaFastPathTests
{
    private static readonly JsonNode?[] Replacements =
    [
        "", "x", "é", "ab", "a\nb", "UPPER", "production", "../x", "/health", "10.0.0.1", "2001:db8::1", "https://x.test/",
        0, 1, -1, 301, 302, 65535, 65536, 7200, 7201, 1.0, 1.5, true, false, null,
        new JsonArray(), new JsonArray("a", "a"), new JsonArray("a", "b"), new JsonArray(1, 1), new JsonArray("writeRelease"),
        new JsonObject(), new JsonObject { ["x"] = 1 },
    ];

    [Fact]
    public void Compile_OurSchemas_EveryKindHasAFastPath()
    {
        foreach (var kind in Enum.GetValues<SchemaKind>())
        {
            Assert.NotNull(Schemas.FastPath(kind));
        }
    }

    [Fact]
    public void Compile_UnknownKeyword_GivesUp()
    {
        var schema = JsonSchema.FromText("""{ "type": "object", "properties": { "a": { "type": "string", "format": "email" } } }""");

        Assert.Null(SchemaFastPath.Compile(schema));
    }

    [Fact]
    public void Check_EveryRepositoryInput_AgreesWithJsonSchemaNet()
    {
        var inputs = RepositoryInputs().ToList();
        var valid = 0;
        foreach (var (name, kind, text) in inputs)
        {
            var doc = YamlDocument.Parse(new SourceFile(name, text), new DiagnosticBag());
            if (doc.Root is JsonObject root)
            {
                valid += AssertAgrees(name, kind, root) ? 1 : 0;
            }
        }

        // The comparison means something only if the quick path says yes to the valid files.
        Assert.True(valid >= 20, $"only {valid} of {inputs.Count} inputs were valid");
    }

    [Fact]
    public void Check_EveryLeafOfEveryValidInputReplaced_AgreesWithJsonSchemaNet()
    {
        var checkedCount = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal); // each place in each schema once: the corpus repeats itself
        foreach (var (name, kind, text) in RepositoryInputs())
        {
            var doc = YamlDocument.Parse(new SourceFile(name, text), new DiagnosticBag());
            if (doc.Root is not JsonObject root || !Schemas.Evaluate(kind, root, detailed: false).IsValid)
            {
                continue;
            }

            foreach (var path in Leaves(root, []).Where(p => seen.Add(kind + ":" + string.Join('/', p))))
            {
                foreach (var replacement in Replacements)
                {
                    var copy = root.DeepClone().AsObject();
                    Set(copy, path, replacement?.DeepClone());
                    AssertAgrees($"{name} {string.Join('/', path)} = {replacement?.ToJsonString() ?? "null"}", kind, copy);
                    checkedCount++;
                }
            }
        }

        Assert.True(checkedCount > 500, $"only {checkedCount} variants");
    }

    /// <summary>True when the document is valid (and the quick path said so).</summary>
    private static bool AssertAgrees(string what, SchemaKind kind, JsonObject root)
    {
        var expected = Schemas.Evaluate(kind, root, detailed: false).IsValid;
        var verdict = Schemas.FastPath(kind)!.Check(root);
        if (verdict != SchemaFastPath.Verdict.Unknown)
        {
            Assert.True(expected == (verdict == SchemaFastPath.Verdict.Valid), $"{what}: JsonSchema.Net says {(expected ? "valid" : "invalid")}, the quick path {verdict}");
        }

        return expected && verdict == SchemaFastPath.Verdict.Valid;
    }

    private static IEnumerable<List<string>> Leaves(JsonNode? node, List<string> path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    foreach (var leaf in Leaves(value, [.. path, key]))
                    {
                        yield return leaf;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var leaf in Leaves(array[i], [.. path, i.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                    {
                        yield return leaf;
                    }
                }

                break;
        }

        if (path.Count > 0)
        {
            yield return path; // the value itself, whatever it is
        }
    }

    private static void Set(JsonNode root, List<string> path, JsonNode? value)
    {
        var parent = root;
        foreach (var segment in path[..^1])
        {
            parent = parent is JsonArray a ? a[int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture)]! : parent[segment]!;
        }

        if (parent is JsonArray array)
        {
            array[int.Parse(path[^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            parent[path[^1]] = value;
        }
    }

    /// <summary>provider.yaml, node.yaml and hostenv.yaml files under examples/ and tests/golden, and the plain sections of tests/bad-inputs.</summary>
    private static IEnumerable<(string Name, SchemaKind Kind, string Text)> RepositoryInputs()
    {
        var root = FindRoot();
        foreach (var dir in new[] { "examples", Path.Combine("tests", "golden"), Path.Combine("tests", "golden-render") }.Select(d => Path.Combine(root, d)).Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (KindOf(file) is { } kind)
                {
                    yield return (Path.GetRelativePath(root, file), kind, File.ReadAllText(file));
                }
            }
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "tests", "bad-inputs"), "*.case").Order(StringComparer.Ordinal))
        {
            string? current = null;
            var body = new System.Text.StringBuilder();
            foreach (var line in File.ReadLines(file).Append("=== end"))
            {
                if (line.StartsWith("=== ", StringComparison.Ordinal))
                {
                    if (current is not null && KindOf(current) is { } kind)
                    {
                        yield return (Path.GetFileName(file) + ":" + current, kind, body.ToString());
                    }

                    current = line.EndsWith(" (escaped)", StringComparison.Ordinal) ? null : line[4..];
                    body.Clear();
                }
                else if (current is not null)
                {
                    body.Append(line).Append('\n');
                }
            }
        }
    }

    private static SchemaKind? KindOf(string path) => Path.GetFileName(path) switch
    {
        "provider.yaml" => SchemaKind.Provider,
        "node.yaml" => SchemaKind.Node,
        "hostenv.yaml" => SchemaKind.Hostenv,
        _ => null,
    };

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Provider.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Provider.sln not found above " + AppContext.BaseDirectory);
    }
}
