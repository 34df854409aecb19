namespace Provider.Cli.Tests.Properties;

/// <summary>
/// A test's own reading of nginx configuration text, written from nginx's tokenizer (ngx_conf_read_token) rather
/// than from the renderer: which characters nginx treats as syntax — ';', '{' and '}' outside quotes, the quotes
/// that open and close a string, a '#' that starts a comment, and a '$' that starts a variable — and whether the
/// text is well formed (quotes closed, blocks balanced, every directive ended). A '$' in the arguments of
/// `location` is literal (nginx expands no variables there; in a regex location it is the end anchor).
/// </summary>
public sealed class NginxSyntax
{
    private NginxSyntax(HashSet<int> syntaxAt, string? problem) => (SyntaxAt, Problem) = (syntaxAt, problem);

    /// <summary>Indexes of characters that act as syntax.</summary>
    public HashSet<int> SyntaxAt { get; }

    /// <summary>Why the text is not well formed, or null.</summary>
    public string? Problem { get; }

    public static NginxSyntax Read(string text)
    {
        var syntax = new HashSet<int>();
        var depth = 0;
        var words = 0;
        var directive = "";
        string? problem = null;
        var i = 0;
        while (i < text.Length && problem is null)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                i++;
            }
            else if (c == '#')
            {
                syntax.Add(i);
                var end = text.IndexOf('\n', i);
                i = end < 0 ? text.Length : end;
            }
            else if (c is ';' or '{' or '}')
            {
                syntax.Add(i);
                problem = c switch
                {
                    ';' when words == 0 => $"';' without a directive at {i}",
                    '{' when words == 0 => $"'{{' without a block name at {i}",
                    '}' when words > 0 => $"a directive not ended by ';' before '}}' at {i}",
                    '}' when depth == 0 => $"'}}' closes no block at {i}",
                    _ => null,
                };
                depth += c switch { '{' => 1, '}' => -1, _ => 0 };
                words = 0;
                directive = "";
                i++;
            }
            else if (c is '"' or '\'')
            {
                syntax.Add(i);
                var j = i + 1;
                while (j < text.Length && text[j] != c)
                {
                    Variable(text, j, syntax, directive);
                    j += text[j] == '\\' ? 2 : 1;
                }

                if (j >= text.Length)
                {
                    problem = $"a quote opened at {i} is never closed";
                }
                else
                {
                    syntax.Add(j);
                    if (j + 1 < text.Length && !(text[j + 1] is ' ' or '\t' or '\n' or '\r' or ';' or '{' or '}'))
                    {
                        problem = $"text directly after the closing quote at {j}";
                    }
                }

                words++;
                i = j + 1;
            }
            else
            {
                var start = i;
                while (i < text.Length && !(text[i] is ' ' or '\t' or '\n' or '\r' or ';' or '{' or '}'))
                {
                    Variable(text, i, syntax, directive);
                    i += text[i] == '\\' ? 2 : 1;
                }

                directive = words == 0 ? text[start..Math.Min(i, text.Length)] : directive;
                words++;
            }
        }

        problem ??= depth != 0 ? "a block is never closed" : words > 0 ? "the last directive is not ended by ';'" : null;
        return new NginxSyntax(syntax, problem);
    }

    /// <summary>Where an injected text's characters act as syntax: the first index in [start, start + length) that does, or -1.</summary>
    public int SyntaxWithin(int start, int length)
    {
        for (var k = start; k < start + length; k++)
        {
            if (SyntaxAt.Contains(k))
            {
                return k;
            }
        }

        return -1;
    }

    private static void Variable(string text, int i, HashSet<int> syntax, string directive)
    {
        if (directive != "location" && text[i] == '$' && i + 1 < text.Length && (char.IsAsciiLetterOrDigit(text[i + 1]) || text[i + 1] is '_' or '{'))
        {
            syntax.Add(i);
        }
    }
}
