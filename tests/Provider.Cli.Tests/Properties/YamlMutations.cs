using System.Text;
using CsCheck;
using Provider.Cli.Tests.Support;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Provider.Cli.Tests.Properties;

/// <summary>The example provider repo's input files, read once, and fresh copies of them to plan in.</summary>
public static class ExampleRepo
{
    public static readonly string[] YamlFiles =
    [
        "provider.yaml", "nodes/node-a/node.yaml", "nodes/node-b/node.yaml",
        "examples/demo/.hostenv/hostenv.yaml", "examples/shop/.hostenv/hostenv.yaml", "examples/blog/.hostenv/hostenv.yaml",
    ];

    private static readonly Lazy<IReadOnlyDictionary<string, byte[]>> Files = new(() =>
        new[] { "provider.yaml", "nodes", "examples", "generated" }
            .SelectMany(item => File.Exists(Path.Combine(RepoPaths.Root, item))
                ? [Path.Combine(RepoPaths.Root, item)]
                : Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, item), "*", SearchOption.AllDirectories))
            .ToDictionary(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'), File.ReadAllBytes, StringComparer.Ordinal));

    public static string Text(string file) => Encoding.UTF8.GetString(Files.Value[file]);

    /// <summary>A temporary copy of the example repo with <paramref name="overrides"/> written over it.</summary>
    public static TempDir CopyWith(IReadOnlyDictionary<string, string> overrides)
    {
        var repo = new TempDir();
        foreach (var (file, bytes) in Files.Value)
        {
            var path = Path.Combine(repo.Path, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, overrides.TryGetValue(file, out var text) ? Encoding.UTF8.GetBytes(text) : bytes);
        }

        return repo;
    }
}

/// <summary>One change to a YAML file, as an operator's editor or a bad merge might make it. Line numbers wrap around.</summary>
public abstract record Edit
{
    public abstract string Apply(string text);

    protected static List<string> Lines(string text) => [.. text.Split('\n')];

    protected static int Wrap(int at, List<string> lines) => ((at % lines.Count) + lines.Count) % lines.Count;
}

public sealed record DeleteLine(int At) : Edit
{
    public override string Apply(string text)
    {
        var lines = Lines(text);
        lines.RemoveAt(Wrap(At, lines));
        return string.Join('\n', lines);
    }
}

public sealed record DuplicateLine(int At) : Edit
{
    public override string Apply(string text)
    {
        var lines = Lines(text);
        var i = Wrap(At, lines);
        lines.Insert(i, lines[i]);
        return string.Join('\n', lines);
    }
}

public sealed record SwapLines(int A, int B) : Edit
{
    public override string Apply(string text)
    {
        var lines = Lines(text);
        var (a, b) = (Wrap(A, lines), Wrap(B, lines));
        (lines[a], lines[b]) = (lines[b], lines[a]);
        return string.Join('\n', lines);
    }
}

/// <summary>Indents a line by <see cref="Delta"/> spaces, outdents it when negative, or indents it with a tab when 0.</summary>
public sealed record Reindent(int At, int Delta) : Edit
{
    public override string Apply(string text)
    {
        var lines = Lines(text);
        var i = Wrap(At, lines);
        lines[i] = Delta switch
        {
            0 => "\t" + lines[i].TrimStart(' '),
            > 0 => new string(' ', Delta) + lines[i],
            _ => lines[i][Math.Min(-Delta, lines[i].Length - lines[i].TrimStart(' ').Length)..],
        };
        return string.Join('\n', lines);
    }
}

/// <summary>Replaces what follows a line's first ': ' (or '- '), or the whole line, with a value: double-quoted (so it arrives exactly) or raw.</summary>
public sealed record ReplaceValue(int At, string Value, bool Raw) : Edit
{
    public override string Apply(string text)
    {
        var lines = Lines(text);
        var i = Wrap(At, lines);
        var line = lines[i];
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        var dash = line.TrimStart().StartsWith("- ", StringComparison.Ordinal) ? line.IndexOf("- ", StringComparison.Ordinal) : -1;
        var keep = colon >= 0 ? line[..(colon + 2)] : dash >= 0 ? line[..(dash + 2)] : "";
        lines[i] = keep + (Raw ? Value.Replace('\n', ' ') : Yaml.DoubleQuoted(Value));
        return string.Join('\n', lines);
    }
}

public sealed record InsertKey(int At, string Key, string Value) : Edit
{
    public override string Apply(string text)
    {
        var lines = Lines(text);
        var i = Wrap(At, lines);
        var indent = lines[i].Length - lines[i].TrimStart(' ').Length;
        lines.Insert(i, new string(' ', indent) + Key + ": " + Yaml.DoubleQuoted(Value));
        return string.Join('\n', lines);
    }
}

/// <summary>Keeps the first <see cref="Permille"/>/1000 of the file, as a full disk or an interrupted copy would.</summary>
public sealed record Truncate(int Permille) : Edit
{
    public override string Apply(string text) => text[..(text.Length * Permille / 1000)];
}

/// <summary>Replaces one scalar (a key or a value) found by the YAML parser with a double-quoted text.</summary>
public sealed record ReplaceScalar(ScalarSite Site, string Value) : Edit
{
    public override string Apply(string text) => text[..Site.Start] + Yaml.DoubleQuoted(Value) + text[Site.End..];
}

/// <summary>Where a scalar is in one of the example files: its characters [Start, End), whether it is a key, and the key it belongs to.</summary>
public sealed record ScalarSite(string File, int Start, int End, bool IsKey, string Context)
{
    /// <summary>Sites whose text reaches rendered files as free text (headers, commands, paths, redirects, locations).</summary>
    private static readonly HashSet<string> RenderedContexts = new(StringComparer.Ordinal)
    {
        "csp", "run", "root", "static", "path", "globalRedirect", "build", "sharedDirs", "locations", "adminEmail", "expectStatus",
    };

    public bool Rendered => RenderedContexts.Contains(Context);

    /// <summary>Every scalar of a file, with the key it is the value of (or, for a key, the key of its mapping).</summary>
    public static IReadOnlyList<ScalarSite> In(string file, string text)
    {
        var sites = new List<ScalarSite>();
        var parser = new Parser(new StringReader(text));
        var stack = new Stack<Frame>();
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    stack.Push(new Frame(parser.Current is MappingStart, NextContext(stack)));
                    break;
                case MappingEnd or SequenceEnd:
                    stack.Pop();
                    break;
                case Scalar s when stack.TryPeek(out var top) && top.IsMapping && top.ExpectKey:
                    sites.Add(new ScalarSite(file, (int)s.Start.Index, (int)s.End.Index, true, top.Context));
                    (top.LastKey, top.ExpectKey) = (s.Value, false);
                    break;
                case Scalar s:
                    sites.Add(new ScalarSite(file, (int)s.Start.Index, (int)s.End.Index, false, NextContext(stack)));
                    break;
                case AnchorAlias:
                    NextContext(stack);
                    break;
            }
        }

        return sites;
    }

    /// <summary>The context of the value about to be read (the pending key, or the sequence's own), moving a mapping on to its next key.</summary>
    private static string NextContext(Stack<Frame> stack)
    {
        if (!stack.TryPeek(out var top))
        {
            return "";
        }

        if (!top.IsMapping)
        {
            return top.Context;
        }

        top.ExpectKey = true;
        return top.LastKey;
    }

    private sealed class Frame(bool isMapping, string context)
    {
        public bool IsMapping { get; } = isMapping;

        public string Context { get; } = context;

        public bool ExpectKey { get; set; } = true;

        public string LastKey { get; set; } = "";
    }
}

public static class Yaml
{
    /// <summary>A YAML double-quoted scalar holding exactly <paramref name="value"/>.</summary>
    public static string DoubleQuoted(string value) =>
        "\"" + string.Concat(value.Select(c => c switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ when char.IsControl(c) => "\\x" + ((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture),
            _ => c.ToString(),
        })) + "\"";
}

/// <summary>Generators of edits and of hostile text.</summary>
public static class MutationGen
{
    /// <summary>Every injected text starts with this, so a test can find it in rendered files; the renderer never writes it.</summary>
    public const string Marker = "zq";

    private static readonly Gen<string> Piece = Gen.Frequency(
        (4, Gen.OneOf("a", "b", "x", "0", "9", "-", ".", "/", "_", "=")),
        (6, Gen.OneOf(";", "$", "`", "'", "\"", "{", "}", "(", ")", "|", "&", "<", ">", "*", "?", "#", "\\", " ", "%", ":", ",", "$(id)", "${x}", "$host", "; }", "\" ;")),
        (2, Gen.OneOf("\n", "\t", "\r")),
        (2, Gen.Int[1, 31].Where(c => c is not ('\n' or '\t' or '\r')).Select(c => ((char)c).ToString())),
        (1, Gen.OneOf("\u007f", "\u0085", "\u00a0", "\u200b", "\u2028", "é", "€", "✓", "😀", "\ufeff")));

    private static readonly Gen<string> PrintablePiece = Gen.Frequency(
        (3, Gen.OneOf("a", "b", "x", "0", "9", "-", ".", "/", "_", "=")),
        (6, Gen.OneOf(";", "$", "`", "'", "\"", "{", "}", "(", ")", "|", "&", "<", ">", "*", "?", "#", "\\", " ", "%", ":", ",", "$(id)", "${x}", "$host", "; }", "\" ;", "é", "😀")));

    /// <summary>
    /// Text an operator would never mean: shell and nginx metacharacters, and often line breaks, control characters
    /// (no NUL) and invisible unicode. Most fields refuse control characters, so a third of the texts have none and
    /// can pass validation into the free-text fields that reach rendered files.
    /// </summary>
    public static readonly Gen<string> Hostile = Gen.Frequency(
        (2, Piece.Array[0, 12].Select(p => Marker + string.Concat(p))),
        (1, PrintablePiece.Array[1, 10].Select(p => Marker + string.Concat(p))));

    /// <summary>Hostile text shaped to get past a field's first check (a path starts with '/', a location with a modifier), so that it can reach the renderer.</summary>
    private static Gen<string> HostileFor(ScalarSite site)
    {
        var text = Gen.Frequency((1, Hostile), (2, PrintablePiece.Array[1, 10].Select(p => Marker + string.Concat(p))));
        return site.Context switch
        {
            "root" or "path" => text.Select(t => "/" + t),
            "locations" when site.IsKey => Gen.Select(Gen.OneOf("/", "~ ", "~* ", "= /", "^~ /", "@"), text, (prefix, t) => prefix + t),
            "adminEmail" => text.Select(t => t + "@hosting.test"),
            _ => text,
        };
    }

    private static readonly Gen<string> RandomKey = Gen.Char["abcdefghijklmnopqrstuvwxyzABCXYZ_-0123456789"].Array[1, 16].Select(c => new string(c));

    public static readonly Gen<Edit> LineEdit = Gen.Frequency(
        (3, Gen.Int[0, 200].Select(i => (Edit)new DeleteLine(i))),
        (2, Gen.Int[0, 200].Select(i => (Edit)new DuplicateLine(i))),
        (2, Gen.Select(Gen.Int[0, 200], Gen.Int[0, 200], (a, b) => (Edit)new SwapLines(a, b))),
        (3, Gen.Select(Gen.Int[0, 200], Gen.Int[-4, 4], (i, d) => (Edit)new Reindent(i, d))),
        (5, Gen.Select(Gen.Int[0, 200], Hostile, Gen.Bool, (i, v, raw) => (Edit)new ReplaceValue(i, v, raw))),
        (2, Gen.Select(Gen.Int[0, 200], RandomKey, Hostile, (i, k, v) => (Edit)new InsertKey(i, k, v))),
        (1, Gen.Int[0, 999].Select(p => (Edit)new Truncate(p))));

    /// <summary>One to three edits of one example YAML file.</summary>
    public static readonly Gen<(string File, Edit[] Edits)> FileEdits =
        Gen.Select(Gen.Int[0, ExampleRepo.YamlFiles.Length - 1], LineEdit.Array[1, 3], (f, e) => (ExampleRepo.YamlFiles[f], e));

    private static readonly Lazy<ScalarSite[]> Sites = new(() =>
        [.. ExampleRepo.YamlFiles.SelectMany(f => ScalarSite.In(f, ExampleRepo.Text(f)))]);

    /// <summary>All scalar sites of the example files (a test checks the rendered ones are among them).</summary>
    public static IReadOnlyList<ScalarSite> AllSites => Sites.Value;

    /// <summary>A scalar site, most often one whose text is rendered into nginx, unit or shell files.</summary>
    public static readonly Gen<ScalarSite> Site = Gen.Frequency(
        (4, Gen.OneOf([.. Sites.Value.Where(s => s.Rendered).Select(Gen.Const)])),
        (1, Gen.OneOf([.. Sites.Value.Select(Gen.Const)])));

    /// <summary>One to three hostile texts, each replacing a different scalar.</summary>
    public static readonly Gen<ReplaceScalar[]> Injections =
        Gen.Frequency((4, Gen.Const(1)), (1, Gen.Int[2, 3]))
            .SelectMany(n => Site.SelectMany(s => HostileFor(s).Select(h => new ReplaceScalar(s, h))).Array[n])
            .Select(r => r.DistinctBy(x => (x.Site.File, x.Site.Start)).ToArray());

    /// <summary>The example files after the edits, by file.</summary>
    public static Dictionary<string, string> Apply(IEnumerable<(string File, Edit Edit)> edits)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        // Scalar replacements address the original text: apply them from the end of each file backwards.
        foreach (var (file, edit) in edits.OrderBy(e => e.File, StringComparer.Ordinal).ThenByDescending(e => e.Edit is ReplaceScalar r ? r.Site.Start : 0))
        {
            texts[file] = edit.Apply(texts.TryGetValue(file, out var t) ? t : ExampleRepo.Text(file));
        }

        return texts;
    }
}
