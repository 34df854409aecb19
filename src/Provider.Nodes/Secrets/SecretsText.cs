using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Provider.Nodes.Engine;

namespace Provider.Nodes.Secrets;

/// <summary>
/// The plaintext of an encrypted secrets file: a systemd environment file, one NAME=VALUE a line, blank lines and
/// '#' comments allowed (the node hands it to the app's unit as EnvironmentFile=, which reads it with systemd's
/// rules: quotes with "..." or '...' keep spaces). Checked before encrypting; a problem names the line, never its value.
/// </summary>
public static class SecretsText
{
    /// <summary>The names the text sets, in order; a SecretsException for the first line that is not NAME=VALUE.</summary>
    public static ImmutableArray<string> Names(byte[] plaintext)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(plaintext);
        }
        catch (DecoderFallbackException)
        {
            throw new SecretsException("the secrets are not UTF-8 text; base64-encode binary values");
        }

        var names = ImmutableArray.CreateBuilder<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';'))
            {
                continue;
            }

            var at = $"line {(i + 1).ToString(CultureInfo.InvariantCulture)}";
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new SecretsException($"{at} is not NAME=VALUE (the value is not shown); write one secret a line, e.g. API_TOKEN=...");
            }

            var name = line[..eq].Trim();
            try
            {
                SecretStore.CheckName(name);
            }
            catch (OperationRefusedException ex)
            {
                throw new SecretsException($"{at}: {ex.Message}");
            }

            if (names.Contains(name))
            {
                throw new SecretsException($"{at}: {name} is set twice; keep one line for it");
            }

            names.Add(name);
        }

        return names.ToImmutable();
    }
}
