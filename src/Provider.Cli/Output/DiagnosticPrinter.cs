using Provider.Planning.Diagnostics;

namespace Provider.Cli.Output;

/// <summary>Prints diagnostics to stderr as `file:line:column: error CODE [field]: message` plus a hint line.</summary>
public static class DiagnosticPrinter
{
    public static void Print(CliConsole console, IEnumerable<Diagnostic> diagnostics)
    {
        var list = diagnostics.ToList();
        foreach (var d in list)
        {
            var text = d.Format();
            if (console.UseColor)
            {
                var colour = d.IsError ? "\u001b[31m" : "\u001b[33m";
                var firstLineEnd = text.IndexOf('\n', StringComparison.Ordinal);
                text = firstLineEnd < 0 ? colour + text + "\u001b[0m" : colour + text[..firstLineEnd] + "\u001b[0m" + text[firstLineEnd..];
            }

            console.Error.WriteLine(text);
        }

        var errors = list.Count(d => d.IsError);
        if (errors > 0)
        {
            console.Error.WriteLine($"{errors} error{(errors == 1 ? "" : "s")}; nothing was written.");
        }
    }
}
