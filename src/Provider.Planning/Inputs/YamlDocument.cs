using System.Globalization;
using System.Text.Json.Nodes;
using Provider.Planning.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Provider.Planning.Inputs;

/// <summary>
/// Where each value and key of a YAML file is, addressed by JSON Pointer. Positions are needed only to
/// report a problem, so they are not kept: the first lookup parses the text again (deterministically the
/// same events) and indexes them. The planner's models hold this map rather than the parsed tree, so a
/// fleet of thousands of valid manifests keeps neither trees nor per-value positions alive for the GC.
/// </summary>
public sealed class SourceMap
{
    // The source and, once asked for, its index; no Lazy and closure per file (every manifest's map lives as long as its model).
    private readonly SourceFile source;
    private YamlDocument.PositionIndex? positions;

    internal SourceMap(SourceFile source) => this.source = source;

    public string File => source.Name;

    /// <summary>Position of the value at a JSON Pointer, else of the nearest ancestor, else the file.</summary>
    public SourcePosition PositionOf(string pointer)
    {
        var values = Positions.Values;
        var p = pointer;
        while (true)
        {
            if (values.TryGetValue(p, out var pos))
            {
                return pos;
            }

            if (p.Length == 0)
            {
                return new SourcePosition(File, 1, 1);
            }

            p = p[..p.LastIndexOf('/')];
        }
    }

    /// <summary>Position of the key naming the member at a JSON Pointer (falls back to its value).</summary>
    public SourcePosition KeyPositionOf(string pointer) =>
        Positions.Keys.TryGetValue(pointer, out var pos) ? pos : PositionOf(pointer);

    /// <summary>The index, read on first use; two threads asking at once may both read (the same events), one index is kept.</summary>
    private YamlDocument.PositionIndex Positions
    {
        get
        {
            if (Volatile.Read(ref positions) is { } index)
            {
                return index;
            }

            var read = YamlDocument.Read(source, new DiagnosticBag()).Positions;
            return Interlocked.CompareExchange(ref positions, read, null) ?? read;
        }
    }
}

/// <summary>
/// A YAML file read into a JSON tree (for schema validation and binding) with its <see cref="SourceMap"/>.
/// Built from parser events rather than YamlDotNet's representation model so duplicate keys and positions
/// are ours to report.
/// </summary>
public sealed class YamlDocument
{
    private YamlDocument(SourceFile source, JsonNode? root) => (Map, Root) = (new SourceMap(source), root);

    public SourceMap Map { get; }

    public string File => Map.File;

    public JsonNode? Root { get; }

    internal sealed class PositionIndex(string file)
    {
        public string File { get; } = file;

        public Dictionary<string, SourcePosition> Values { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, SourcePosition> Keys { get; } = new(StringComparer.Ordinal);

        public SourcePosition? Last { get; set; }
    }

    public SourcePosition PositionOf(string pointer) => Map.PositionOf(pointer);

    public SourcePosition KeyPositionOf(string pointer) => Map.KeyPositionOf(pointer);

    public static string Escape(string token) =>
        token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    public static string Child(string pointer, string key) => pointer + "/" + Escape(key);

    /// <summary>
    /// The tree, read once without positions (pointers and the position index are half the reading, and a valid
    /// file never needs them); a file with anything to report is read again with them, for the diagnostics.
    /// </summary>
    public static YamlDocument Parse(SourceFile source, DiagnosticBag diagnostics)
    {
        var quick = new DiagnosticBag();
        var (root, _) = Read(source, quick, positions: false);
        return quick.Items.Count == 0 ? new(source, root) : new(source, Read(source, diagnostics).Root);
    }

    internal static (JsonNode? Root, PositionIndex Positions) Read(SourceFile source, DiagnosticBag diagnostics, bool positions = true)
    {
        var doc = new PositionIndex(source.Name);
        if (StreamProblem(source) is { } problem)
        {
            diagnostics.Add(problem);
            return (null, doc);
        }

        try
        {
            var parser = new Parser(new StringReader(source.Text));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return (null, doc); // empty file: Root stays null, the schema reports what is missing
            }

            parser.Consume<DocumentStart>();
            var builder = new Builder(doc, diagnostics, positions);
            var root = builder.Read(parser, "");
            parser.Consume<DocumentEnd>();
            if (!parser.TryConsume<StreamEnd>(out _))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.UnsupportedYaml, DiagnosticLevel.Error,
                    "the file holds more than one YAML document",
                    Position(doc.File, parser.Current?.Start ?? Mark.Empty),
                    Hint: "keep one document per file; remove the extra '---' separator"));
            }

            return (root, doc);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (not YamlException) for some unterminated flow collections.
            diagnostics.Add(new Diagnostic(
                ManifestCodes.YamlSyntax, DiagnosticLevel.Error,
                "YAML syntax error: a '[' or '{' is not closed",
                doc.Last ?? new SourcePosition(doc.File, 1, 1),
                Hint: "close the flow list or mapping with ']' or '}' on the same entry"));
            return (null, doc);
        }
        catch (YamlException ex)
        {
            var position = InText(source, Position(doc.File, ex.Start));
            if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
            {
                // YamlDotNet reports where the scalar before the tab started; the fix is at the tab.
                position = TabIndentation(source, position.Line) ?? position;
            }

            diagnostics.Add(new Diagnostic(
                ManifestCodes.YamlSyntax, DiagnosticLevel.Error,
                "YAML syntax error: " + FirstLine(ex.Message),
                position,
                Hint: "check indentation, quoting and ':' after keys near this position"));
            return (null, doc);
        }
    }

    /// <summary>
    /// A character YAML does not allow in a stream (YAML 1.2 c-printable), which YamlDotNet lets through for some
    /// control characters, or U+FFFD, which is what bytes that are not UTF-8 become when the file is read.
    /// </summary>
    private static Diagnostic? StreamProblem(SourceFile source)
    {
        var text = source.Text;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsSurrogatePair(text, i))
            {
                i++;
                continue;
            }

            // A CR is allowed only before a LF; NEL (U+0085) and the line and paragraph separators (U+2028, U+2029) not at all:
            // YamlDotNet ends a line at each, most editors do not, so every position after one would disagree with the editor.
            var printable = c is '\t' or '\n' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                || (c >= ' ' && c <= '~') || (c >= '\u00a0' && c <= '\ud7ff' && c is not ('\u2028' or '\u2029')) || (c >= '\ue000' && c <= '\ufffc');
            if (printable)
            {
                continue;
            }

            var line = 1 + text.AsSpan(0, i).Count('\n');
            var position = new SourcePosition(source.Name, line, i - text.LastIndexOf('\n', Math.Max(0, i - 1)));
            return c == '\ufffd'
                ? new Diagnostic(
                    ManifestCodes.NotUtf8, DiagnosticLevel.Error,
                    "the file is not valid UTF-8 here (or holds U+FFFD, the character such bytes are read as)",
                    position, Hint: "save the file as UTF-8; an editor set to Latin-1 or Windows-1252 writes accented letters as bytes that are not UTF-8")
                : c is '\r' or '\u0085' or '\u2028' or '\u2029' ? new Diagnostic(
                    ManifestCodes.YamlSyntax, DiagnosticLevel.Error,
                    (c == '\r' ? "a carriage return (CR) without a line feed after it" : $"the line break character U+{(int)c:X4}") + ": YAML would end a line here that editors do not show",
                    position, Hint: "save the file with LF (or CRLF) line ends; inside a value write it as an escape in double quotes, e.g. \"\\r\"")
                : new Diagnostic(
                    ManifestCodes.YamlSyntax, DiagnosticLevel.Error,
                    $"YAML does not allow the character U+{(int)c:X4} in a file",
                    position, Hint: "remove it; if the value needs it, write it as an escape inside double quotes, e.g. \"\\t\"");
        }

        return null;
    }

    /// <summary>
    /// The position, or the end of the text when it lies past it: at the end of a file without a final line break,
    /// YamlDotNet reports the start of a line that does not exist.
    /// </summary>
    private static SourcePosition InText(SourceFile source, SourcePosition position)
    {
        var lines = source.Text.Split('\n');
        return position.Line <= lines.Length ? position : position with { Line = lines.Length, Column = lines[^1].Length + 1 };
    }

    /// <summary>The first tab in a line's indentation, from <paramref name="fromLine"/> on (YAML indents with spaces only).</summary>
    private static SourcePosition? TabIndentation(SourceFile source, int fromLine)
    {
        var lines = source.Text.Split('\n');
        for (var i = Math.Max(0, fromLine - 1); i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && tab < indent)
            {
                return new SourcePosition(source.Name, i + 1, tab + 1);
            }
        }

        return null;
    }

    /// <summary>The first line of a YamlDotNet exception message, without the position prefix (we print positions ourselves).</summary>
    internal static string FirstLine(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 1, Idx: 20) - (Line: ...): "; we print the position ourselves.
        var text = message;
        var idx = text.IndexOf("): ", StringComparison.Ordinal);
        if (text.StartsWith("(Line", StringComparison.Ordinal) && idx > 0)
        {
            text = text[(idx + 3)..];
        }

        var nl = text.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? text : text[..nl];
    }

    private static SourcePosition Position(string file, Mark mark) =>
        new(file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    /// <summary>Without <paramref name="positions"/> no pointer is built and none is indexed (pointers stay ""):
    /// the diagnostics then name no field or line of a first key, and <see cref="Parse"/> reads again.</summary>
    private sealed class Builder(PositionIndex doc, DiagnosticBag diagnostics, bool positions)
    {
        private const string CoreTagPrefix = "tag:yaml.org,2002:";
        private const string StringTag = CoreTagPrefix + "str";

        private readonly Dictionary<string, JsonNode?> anchors = new(StringComparer.Ordinal);

        public JsonNode? Read(IParser parser, string pointer)
        {
            var ev = parser.Current ?? throw new InvalidOperationException("parser has no current event");
            if (positions)
            {
                doc.Values[pointer] = doc.Last = Position(doc.File, ev.Start);
            }

            if (ev is NodeEvent { Tag: { IsEmpty: false, IsNonSpecific: false } tag } && !(ev is Scalar && tag.Value == StringTag))
            {
                // A tag asks for a type the file format does not have (!!python/object, !vault, !!binary): reading the
                // value as if untagged would silently give it another meaning.
                var shown = tag.Value.StartsWith(CoreTagPrefix, StringComparison.Ordinal) ? "!!" + tag.Value[CoreTagPrefix.Length..] : tag.Value;
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.UnsupportedYaml, DiagnosticLevel.Error,
                    $"YAML tag '{DiagnosticText.Visible(shown)}' is not supported", Position(doc.File, ev.Start), FieldPath(pointer),
                    "remove the tag; values are text, numbers, true/false, lists and mappings (quote a value, or tag it !!str, to make it text)"));
                parser.SkipThisAndNestedEvents();
                return null;
            }

            JsonNode? node;
            switch (ev)
            {
                case Scalar scalar:
                    parser.MoveNext();
                    node = YamlScalars.Resolve(scalar);
                    Remember(scalar.Anchor, node);
                    return node;
                case AnchorAlias alias:
                    parser.MoveNext();
                    if (anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        return target?.DeepClone();
                    }

                    diagnostics.Add(new Diagnostic(
                        ManifestCodes.UnsupportedYaml, DiagnosticLevel.Error,
                        $"alias '*{alias.Value.Value}' refers to no anchor defined before it",
                        Position(doc.File, alias.Start), Hint: "define '&name' before using '*name'"));
                    return null;
                case SequenceStart seq:
                    parser.MoveNext();
                    var array = new JsonArray();
                    var i = 0;
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        array.Add(Read(parser, positions ? pointer + "/" + i.ToString(CultureInfo.InvariantCulture) : pointer));
                        i++;
                    }

                    Remember(seq.Anchor, array);
                    return array;
                case MappingStart map:
                    parser.MoveNext();
                    var obj = new JsonObject();
                    while (!parser.TryConsume<MappingEnd>(out _))
                    {
                        ReadMember(parser, pointer, obj);
                    }

                    Remember(map.Anchor, obj);
                    return obj;
                default:
                    throw new YamlException(ev.Start, ev.End, $"unexpected {ev.GetType().Name}");
            }
        }

        private void ReadMember(IParser parser, string pointer, JsonObject obj)
        {
            var keyEvent = parser.Current ?? throw new InvalidOperationException("parser has no current event");
            if (keyEvent is not Scalar keyScalar)
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.UnsupportedYaml, DiagnosticLevel.Error,
                    "a mapping key must be a plain text, not a list or mapping",
                    Position(doc.File, keyEvent.Start), Hint: "write the key as text followed by ':'"));
                parser.SkipThisAndNestedEvents();
                parser.SkipThisAndNestedEvents();
                return;
            }

            parser.MoveNext();
            var key = keyScalar.Value;
            var child = positions ? Child(pointer, key) : pointer;
            if (key == "<<" && keyScalar.Style == ScalarStyle.Plain)
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.UnsupportedYaml, DiagnosticLevel.Error,
                    "YAML merge keys ('<<') are not supported", Position(doc.File, keyScalar.Start),
                    Hint: "write the keys out; merges hide which value wins"));
                parser.SkipThisAndNestedEvents();
                return;
            }

            if (obj.ContainsKey(key))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.DuplicateKey, DiagnosticLevel.Error,
                    $"key '{key}' appears twice in the same mapping (first at line {(positions ? doc.Keys[child].Line : 0)})",
                    Position(doc.File, keyScalar.Start), FieldPath(child), "keep one of them; YAML does not merge repeated keys"));
                parser.SkipThisAndNestedEvents();
                return;
            }

            if (positions)
            {
                doc.Keys[child] = Position(doc.File, keyScalar.Start);
            }

            obj[key] = Read(parser, child);
        }

        private void Remember(AnchorName anchor, JsonNode? node)
        {
            if (!anchor.IsEmpty)
            {
                anchors[anchor.Value] = node;
            }
        }
    }

    /// <summary>A JSON Pointer as the dotted field path users recognise: /environments/main/type → environments.main.type.</summary>
    public static string FieldPath(string pointer)
    {
        if (pointer.Length == 0)
        {
            return "(document)";
        }

        var parts = pointer[1..].Split('/')
            .Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
            .Select(p => p.Contains('.', StringComparison.Ordinal) || p.Contains('/', StringComparison.Ordinal) ? $"\"{p}\"" : p);
        return string.Join('.', parts);
    }
}
