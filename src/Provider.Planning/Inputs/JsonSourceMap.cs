using System.Text;
using System.Text.Json;
using Provider.Planning.Diagnostics;

namespace Provider.Planning.Inputs;

/// <summary>
/// Where each value and member name of a JSON file is, addressed by JSON Pointer, so that a problem in
/// generated/state.json, generated/plan.json or provider.lock is reported at its line and column like a
/// YAML one. As with <see cref="SourceMap"/>, positions are only needed to report a problem: the index is
/// built on the first lookup. Columns count characters (not bytes), as the YAML positions do.
/// </summary>
public sealed class JsonSourceMap
{
    private readonly Lazy<Index> index;

    public JsonSourceMap(SourceFile file) =>
        (File, index) = (file.Name, new Lazy<Index>(() => Build(file.Text)));

    public string File { get; }

    /// <summary>Position of the value at a JSON Pointer, else of the nearest ancestor, else the file's first character.</summary>
    public SourcePosition PositionOf(string pointer)
    {
        var p = pointer;
        while (true)
        {
            if (index.Value.Values.TryGetValue(p, out var at))
            {
                return At(at);
            }

            if (p.Length == 0)
            {
                return new SourcePosition(File, 1, 1);
            }

            p = p[..p.LastIndexOf('/')];
        }
    }

    /// <summary>Position of the <paramref name="occurrence"/>-th member name at a JSON Pointer (0 = first); falls back to the value.</summary>
    public SourcePosition KeyPositionOf(string pointer, int occurrence = 0) =>
        index.Value.Keys.TryGetValue(pointer, out var all) && occurrence < all.Count ? At(all[occurrence]) : PositionOf(pointer);

    /// <summary>How often the member at a JSON Pointer is named in its object (System.Text.Json keeps only one of repeated names).</summary>
    public int KeyCount(string pointer) => index.Value.Keys.TryGetValue(pointer, out var all) ? all.Count : 0;

    private SourcePosition At((int Line, int Column) at) => new(File, at.Line, at.Column);

    private sealed class Index
    {
        public Dictionary<string, (int Line, int Column)> Values { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<(int Line, int Column)>> Keys { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Frame(string pointer, bool isArray)
    {
        public string Pointer { get; } = pointer;

        public bool IsArray { get; } = isArray;

        public int Next { get; set; }

        public string? Member { get; set; }
    }

    private static Index Build(string text)
    {
        var result = new Index();
        var bytes = Encoding.UTF8.GetBytes(text);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        (int, int) Position(long offset)
        {
            var line = lineStarts.BinarySearch((int)offset);
            line = line >= 0 ? line : ~line - 1;
            var start = lineStarts[line];
            return (line + 1, Encoding.UTF8.GetCharCount(bytes, start, (int)offset - start) + 1);
        }

        // Lenient reading: the index only locates things; whether the text is acceptable JSON is the parser's call.
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var stack = new Stack<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var frame = stack.Peek();
                        frame.Member = YamlDocument.Child(frame.Pointer, reader.GetString() ?? "");
                        if (!result.Keys.TryGetValue(frame.Member, out var list))
                        {
                            result.Keys[frame.Member] = list = [];
                        }

                        list.Add(Position(reader.TokenStartIndex));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        stack.Pop();
                        break;
                    default:
                        var pointer = stack.Count == 0 ? ""
                            : stack.Peek().IsArray ? stack.Peek().Pointer + "/" + (stack.Peek().Next++).ToString(System.Globalization.CultureInfo.InvariantCulture)
                            : stack.Peek().Member ?? stack.Peek().Pointer;
                        result.Values.TryAdd(pointer, Position(reader.TokenStartIndex));
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            stack.Push(new Frame(pointer, reader.TokenType == JsonTokenType.StartArray));
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Positions up to the broken part are known; the rest fall back to their nearest ancestor.
        }

        return result;
    }
}
