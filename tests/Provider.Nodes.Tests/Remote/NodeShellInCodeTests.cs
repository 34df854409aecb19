using System.Text;
using System.Text.RegularExpressions;

namespace Provider.Nodes.Tests.Remote;

/// <summary>
/// Keeps node-side shell out of C# strings (it belongs in src/Provider.Nodes/Remote/*.sh, where shellcheck sees it).
/// Every string literal of src/**/*.cs (regular, verbatim, interpolated and raw, found by a small lexer that skips
/// comments and char literals and follows interpolation holes) is a script when it has shell control flow (a line
/// in command position: then with fi, do with done, or esac), a command substitution $( ),
/// `set -e`/`set -u`, or three or more command separators (; && || | newline) together with a positional
/// parameter ($1..$9, $@): more than the one- or two-step command a RemoteCommand may still spell out. The words
/// are matched in lower case only and after a separator, so SQL (CASE ... END) and prose do not trip it.
/// </summary>
public partial class NodeShellInCodeTests
{
    /// <summary>Text shown to people or for their own shell, never sent to a node.</summary>
    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
        ["src/Provider.Cli/Commands/CompletionCommand.cs"] = "the completion script is for the operator's own shell",
        ["src/Provider.Cli/Commands/NodeRemoveCommand.cs"] = "prints the commands a person runs by hand to retire a server",
    };

    [Fact]
    public void SourceStrings_None_HoldNodeShellScripts()
    {
        var src = Path.Combine(RepoRoot.Path, "src");
        var found = new List<string>();
        var scanned = 0;
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(RepoRoot.Path, file).Replace('\\', '/');
            if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal) || Allowed.ContainsKey(relative))
            {
                continue;
            }

            foreach (var (line, text) in Literals(File.ReadAllText(file)))
            {
                scanned++;
                if (LooksLikeShellScript(text))
                {
                    found.Add($"{relative}:{line}: {text.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim()}");
                }
            }
        }

        Assert.True(scanned > 1000, $"only {scanned} string literals found: the lexer is broken");
        Assert.True(found.Count == 0, "node-side shell in C# strings (move it to src/Provider.Nodes/Remote/*.sh):\n" + string.Join("\n", found));
    }

    /// <summary>The detector is not blind: scripts as they used to be written in C#, and the one-liners that stay.</summary>
    [Theory]
    [InlineData("d=\"$1\"; mkdir -p \"$(dirname \"$d\")\"\nif mkdir \"$d\" 2>/dev/null; then echo ACQUIRED; exit 0; fi\necho HELD", true)]
    [InlineData("basename \"$(readlink /var/lib/hostenv/current 2>/dev/null)\" 2>/dev/null || true", true)]
    [InlineData("cd /var/lib/hostenv/generations && for g in \"$@\"; do rm -rf -- \"$g\"; done", true)]
    [InlineData("set -e\ninstall -d \"$1\"", true)]
    [InlineData("rm -f \"$3\"; systemctl stop \"$1.timer\" 2>/dev/null || true; systemd-run --unit=\"$1\" \"$2\"", true)]
    [InlineData("case \"$1\" in a) echo a ;; esac", true)]
    [InlineData("test -f \"$1/.complete\" && echo yes || true", false)]
    [InlineData("cat \"$1/deploys.log\" 2>/dev/null || true", false)]
    [InlineData("systemctl start \"$1.service\"", false)]
    [InlineData("SELECT CASE WHEN a THEN 1 ELSE 0 END FROM t; DELETE FROM t; VACUUM;", false)]
    [InlineData("nothing was switched; run deploy again when it is done", false)]
    public void LooksLikeShellScript_Sample_IsRecognised(string text, bool expected)
    {
        Assert.Equal(expected, LooksLikeShellScript(text));
    }

    [Fact]
    public void Literals_InterpolatedRawAndCharLiterals_AreAllFound()
    {
        var code = """"
            var a = '"'; // "not a literal"
            var b = $"x{(c ? "inner" : "other")}y";
            var d = @"verbatim ""quoted""";
            /* "commented" */
            var e = $$"""
                raw {{a}} "quoted"
                """;
            """";
        var literals = Literals(code).Select(l => l.Text).ToList();
        Assert.Equal(["inner", "other", "raw {} \"quoted\"", "verbatim \"quoted\"", "x{}y"], literals.Select(l => l.Trim()).Order(StringComparer.Ordinal).ToList());
    }

    internal static bool LooksLikeShellScript(string text)
    {
        var words = ControlWord().Matches(text).Select(m => m.Groups[2].Value).ToHashSet(StringComparer.Ordinal);
        return (words.Contains("then") && words.Contains("fi")) || (words.Contains("do") && words.Contains("done")) || words.Contains("esac") || text.Contains("$(", StringComparison.Ordinal) || SetOption().IsMatch(text)
            || (Positional().IsMatch(text) && Separators().Count(text) >= 3);
    }

    // A reserved word where a command starts: after a separator, an opening parenthesis or another such word.
    [GeneratedRegex(@"(^|[;\n&|(]|\bthen|\bdo|\belse)[ \t]*(then|fi|do|done|esac)(?=[ \t;\n)]|$)")]
    private static partial Regex ControlWord();

    [GeneratedRegex(@"(^|[;\n])[ \t]*set -[eu]")]
    private static partial Regex SetOption();

    [GeneratedRegex(@"\$\{?([1-9@])")]
    private static partial Regex Positional();

    [GeneratedRegex(@";|&&|\|\||\||\n")]
    private static partial Regex Separators();

    /// <summary>The string literals of C# source with their line numbers; interpolation holes become "{}".</summary>
    internal static List<(int Line, string Text)> Literals(string code)
    {
        var found = new List<(int, string)>();
        var i = 0;
        Code(code, ref i, found, stopAtBrace: false);
        return found;
    }

    private static int LineOf(string code, int index) => code.AsSpan(0, index).Count('\n') + 1;

    private static void Code(string s, ref int i, List<(int, string)> found, bool stopAtBrace)
    {
        var depth = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '/' && i + 1 < s.Length && s[i + 1] == '/')
            {
                while (i < s.Length && s[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < s.Length && s[i + 1] == '*')
            {
                var end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? s.Length : end + 2;
            }
            else if (c == '\'')
            {
                i++;
                while (i < s.Length && s[i] != '\'')
                {
                    i += s[i] == '\\' ? 2 : 1;
                }

                i++;
            }
            else if (c == '"' || ((c == '$' || c == '@') && StringStartsAfterPrefix(s, i)))
            {
                String(s, ref i, found);
            }
            else if (c == '{')
            {
                depth++;
                i++;
            }
            else if (c == '}')
            {
                if (stopAtBrace && depth == 0)
                {
                    return;
                }

                depth--;
                i++;
            }
            else
            {
                i++;
            }
        }
    }

    private static bool StringStartsAfterPrefix(string s, int i)
    {
        while (i < s.Length && (s[i] == '$' || s[i] == '@'))
        {
            i++;
        }

        return i < s.Length && s[i] == '"' && (i == 0 || s[i - 1] is '$' or '@');
    }

    private static void String(string s, ref int i, List<(int, string)> found)
    {
        var start = i;
        var dollars = 0;
        var verbatim = false;
        while (s[i] is '$' or '@')
        {
            if (s[i] == '$')
            {
                dollars++;
            }
            else
            {
                verbatim = true;
            }

            i++;
        }

        var quotes = 0;
        while (i + quotes < s.Length && s[i + quotes] == '"')
        {
            quotes++;
        }

        var text = new StringBuilder();
        if (quotes >= 3)
        {
            // Raw: up to the same run of quotes; holes ({ repeated `dollars` times) are dropped.
            i += quotes;
            var close = new string('"', quotes);
            var end = s.IndexOf(close, i, StringComparison.Ordinal);
            var raw = s[i..end];
            if (dollars > 0)
            {
                var open = new string('{', dollars);
                var shut = new string('}', dollars);
                raw = Regex.Replace(raw, Regex.Escape(open) + ".*?" + Regex.Escape(shut), "{}");
            }

            found.Add((LineOf(s, start), raw));
            i = end + quotes;
            return;
        }

        i++; // the opening quote
        while (i < s.Length)
        {
            var c = s[i];
            if (verbatim && c == '"' && i + 1 < s.Length && s[i + 1] == '"')
            {
                text.Append('"');
                i += 2;
            }
            else if (c == '"')
            {
                i++;
                break;
            }
            else if (!verbatim && c == '\\')
            {
                text.Append(s[i + 1] switch { 'n' => '\n', 't' => '\t', var other => other });
                i += 2;
            }
            else if (dollars > 0 && c == '{' && i + 1 < s.Length && s[i + 1] == '{')
            {
                text.Append('{');
                i += 2;
            }
            else if (dollars > 0 && c == '{')
            {
                i++;
                Code(s, ref i, found, stopAtBrace: true);
                i++; // the closing brace
                text.Append("{}");
            }
            else
            {
                text.Append(c);
                i++;
            }
        }

        found.Add((LineOf(s, start), text.ToString()));
    }
}
