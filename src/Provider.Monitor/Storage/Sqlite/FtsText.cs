using System.Text;

namespace Provider.Monitor.Storage.Sqlite;

/// <summary>
/// User text to an FTS5 query, and FTS5 highlight output to HTML. User text is never FTS5 syntax: it is split at white
/// space and each word becomes a quoted FTS5 string (an implicit AND joins them), so `"`, `*`, `NEAR(`, `OR` and `-` are
/// words like any other.
/// </summary>
internal static class FtsText
{
    /// <summary>Marks around a match in highlight(); control characters that the highlighter never sees in a message we mark (see ToHtml).</summary>
    public const char MatchStart = '\u0001';
    public const char MatchEnd = '\u0002';

    /// <summary>
    /// Splits user text into the FTS5 MATCH expression for its words (null: none) and the words the index cannot find
    /// because they have no letter or digit (the tokenizer keeps only those), which are then matched as literal text.
    /// </summary>
    public static (string? Match, IReadOnlyList<string> Literals) Parse(string? text)
    {
        var (indexed, literals) = SplitWords(text);
        var quoted = indexed.Select(w => "\"" + w.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"").ToList();
        return (quoted.Count == 0 ? null : string.Join(' ', quoted), literals);
    }

    /// <summary>
    /// User text split at white space: the words with a letter or digit (found through the index, each as the phrase of
    /// its tokens) and the others (punctuation only, matched as literal text). Both backends search this way.
    /// </summary>
    public static (IReadOnlyList<string> Indexed, IReadOnlyList<string> Literals) SplitWords(string? text)
    {
        var words = string.IsNullOrWhiteSpace(text) ? [] : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return ([.. words.Where(HasToken)], [.. words.Where(w => !HasToken(w))]);
    }

    /// <summary>The tokens of a text as the indexes see them: the runs of letters and digits.</summary>
    public static IEnumerable<string> Tokens(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inToken = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inToken && start < 0)
            {
                start = i;
            }
            else if (!inToken && start >= 0)
            {
                yield return text[start..i];
                start = -1;
            }
        }
    }

    /// <summary>
    /// The message as HTML with every token that equals (ignoring case) one of the words' tokens in &lt;mark&gt;: for a
    /// backend whose own highlighter tokenizes differently from its index (PostgreSQL's ts_headline).
    /// </summary>
    public static string HighlightTokens(string message, IEnumerable<string> words)
    {
        var wanted = words.SelectMany(Tokens).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var html = new StringBuilder(message.Length + 32);
        var i = 0;
        while (i < message.Length)
        {
            var end = i;
            while (end < message.Length && char.IsLetterOrDigit(message[end]))
            {
                end++;
            }

            if (end == i)
            {
                AppendEscaped(html, message[i++]);
                continue;
            }

            var token = message[i..end];
            _ = wanted.Contains(token) ? html.Append("<mark>").Append(token).Append("</mark>") : html.Append(token);
            i = end;
        }

        return html.ToString();
    }

    private static bool HasToken(string word) => word.Any(char.IsLetterOrDigit);

    /// <summary>
    /// The highlighted message as HTML: escaped, with each match in &lt;mark&gt;. A message that itself contains a marker
    /// character is shown escaped without marks rather than with wrong ones.
    /// </summary>
    public static string ToHtml(string message, string? highlighted)
    {
        if (highlighted is null || message.Contains(MatchStart, StringComparison.Ordinal) || message.Contains(MatchEnd, StringComparison.Ordinal))
        {
            return Escape(message);
        }

        var html = new StringBuilder(highlighted.Length + 32);
        foreach (var c in highlighted)
        {
            switch (c)
            {
                case MatchStart:
                    html.Append("<mark>");
                    break;
                case MatchEnd:
                    html.Append("</mark>");
                    break;
                default:
                    AppendEscaped(html, c);
                    break;
            }
        }

        return html.ToString();
    }

    public static string Escape(string text)
    {
        var html = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            AppendEscaped(html, c);
        }

        return html.ToString();
    }

    private static void AppendEscaped(StringBuilder html, char c) => _ = c switch
    {
        '&' => html.Append("&amp;"),
        '<' => html.Append("&lt;"),
        '>' => html.Append("&gt;"),
        '"' => html.Append("&quot;"),
        '\'' => html.Append("&#39;"),
        _ => html.Append(c),
    };
}
