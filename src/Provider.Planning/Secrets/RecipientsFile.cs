using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;

namespace Provider.Planning.Secrets;

/// <summary>
/// .hostenv/secrets/&lt;environment&gt;.recipients, written next to the ciphertext by `hostenv-provider secrets`: the
/// recipients the .age file was encrypted to, one canonical recipient a line ('#' comments). age files do not name
/// their recipients, so this is how `plan` tells that a node or an operator key changed and a rekey is due.
/// </summary>
public static class RecipientsFile
{
    public const string Extension = ".recipients";

    /// <summary>The file's text for these recipients: a comment line, then the recipients sorted (same set, same bytes).</summary>
    public static string Render(string environment, IEnumerable<string> recipients)
    {
        var text = new StringBuilder();
        text.Append("# The recipients ").Append(environment).Append(".age is encrypted to; written by hostenv-provider secrets (encrypt, edit, rekey).\n");
        foreach (var r in recipients.Select(AgeRecipient.Canonical).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            text.Append(r).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The canonical recipients the file lists; a line that is no recipient is an error at its line and column.</summary>
    public static ImmutableArray<string> Parse(SourceFile file, DiagnosticBag diagnostics)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        var lines = file.Text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var column = line.Length - line.TrimStart().Length + 1;
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (AgeRecipient.Problem(line) is { } problem)
            {
                diagnostics.Add(new Diagnostic(
                    SecretsCodes.RecipientsFileInvalid, DiagnosticLevel.Error, $"line {(i + 1).ToString(CultureInfo.InvariantCulture)} is not an age recipient: {problem}",
                    new SourcePosition(file.Name, i + 1, column), null,
                    "the file is written by `hostenv-provider secrets rekey ENV`; run it to write it again"));
                continue;
            }

            result.Add(AgeRecipient.Canonical(line));
        }

        return [.. result.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
