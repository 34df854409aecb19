namespace Provider.Planning.Render;

/// <summary>
/// What raw nginx text (extraConfig) may do where it is pasted: it is checked by `nginx -t` on the node, but
/// `nginx -t` cannot tell a block closed on purpose from one that escapes the server or location it was
/// written for, so text that closes more blocks than it opens, or leaves a block or quote open, is refused.
/// </summary>
public static class NginxText
{
    /// <summary>Why the text would not stay inside its block, or null when it does.</summary>
    public static string? BalanceProblem(string text)
    {
        var depth = 0;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is { } q)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == q)
                {
                    quote = null;
                }

                continue;
            }

            switch (c)
            {
                case '\\':
                    i++;
                    break;
                case '"' or '\'':
                    quote = c;
                    break;
                case '#':
                    var end = text.IndexOf('\n', i);
                    i = end < 0 ? text.Length : end;
                    break;
                case '$' when i + 1 < text.Length && text[i + 1] == '{':
                    // ${name} is a variable, not a block.
                    var close = text.IndexOf('}', i);
                    i = close < 0 ? text.Length : close;
                    break;
                case '{':
                    depth++;
                    break;
                case '}' when depth == 0:
                    return "it closes a block it did not open (a '}' without its '{')";
                case '}':
                    depth--;
                    break;
            }
        }

        return quote is not null ? "it leaves a quote open"
            : depth > 0 ? "it leaves a '{' block open"
            : null;
    }
}
