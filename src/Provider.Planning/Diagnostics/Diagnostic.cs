namespace Provider.Planning.Diagnostics;

public enum DiagnosticLevel
{
    Error,
    Warning,
}

/// <summary>A 1-based position in a named input file. File is repo-relative so output never carries machine paths.</summary>
public sealed record SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}

/// <summary>
/// A finding about the inputs. Diagnostics are data: stable <see cref="Code"/>, where it is,
/// which field, what is wrong and how to fix it. The CLI decides how to print them.
/// </summary>
public sealed record Diagnostic(
    string Code,
    DiagnosticLevel Level,
    string Message,
    SourcePosition? Position = null,
    string? Field = null,
    string? Hint = null)
{
    public bool IsError => Level == DiagnosticLevel.Error;

    /// <summary>One line (and a hint line): user text in the field, message or hint cannot break it, whatever characters it holds.</summary>
    public string Format()
    {
        var where = Position is null ? "" : DiagnosticText.Visible(Position.ToString()) + ": ";
        var level = Level == DiagnosticLevel.Error ? "error" : "warning";
        var field = Field is null ? "" : $" [{DiagnosticText.Visible(Field)}]";
        var hint = Hint is null ? "" : $"\n  hint: {DiagnosticText.Visible(Hint)}";
        return $"{where}{level} {Code}{field}: {DiagnosticText.Visible(Message)}{hint}";
    }
}

/// <summary>Collects diagnostics in the order found; never throws for user mistakes.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> items = [];

    public IReadOnlyList<Diagnostic> Items => items;

    public bool HasErrors => items.Exists(d => d.IsError);

    public void Add(Diagnostic diagnostic) => items.Add(diagnostic);

    public void AddRange(IEnumerable<Diagnostic> diagnostics) => items.AddRange(diagnostics);

    /// <summary>Stable order for printing and golden files: by file, line, column, code, message.</summary>
    public IReadOnlyList<Diagnostic> Sorted() =>
        [.. items.OrderBy(d => d.Position?.File ?? "", StringComparer.Ordinal)
            .ThenBy(d => d.Position?.Line ?? 0)
            .ThenBy(d => d.Position?.Column ?? 0)
            .ThenBy(d => d.Code, StringComparer.Ordinal)
            .ThenBy(d => d.Message, StringComparer.Ordinal)];
}

/// <summary>Helpers for putting user text into a one-line diagnostic.</summary>
public static class DiagnosticText
{
    /// <summary>
    /// The text with control characters shown as escapes (\n, \t, \u0001), so a message stays on its line, and
    /// with invisible characters (a no-break space, a zero-width space) shown too: an unknown key 'port' that
    /// differs from 'port' only by one of those would otherwise look like the known key.
    /// </summary>
    public static string Visible(string text) =>
        text.Any(Hidden)
            ? string.Concat(text.Select(c => c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when Hidden(c) => "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture),
                _ => c.ToString(),
            }))
            : text;

    private static bool Hidden(char c) =>
        char.IsControl(c)
        || (c != ' ' && char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.SpaceSeparator or System.Globalization.UnicodeCategory.Format);
}
