using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Planning.Render;

namespace Provider.Cli.Tests.Properties;

/// <summary>What must hold for every file of a rendered node generation, whatever text the inputs held.</summary>
public static class RenderedChecks
{
    private static readonly string[] AcmeSettings = ["acceptTerms", "certRoot", "email", "server", "webroot"];

    /// <summary>Every problem found in the generation under <paramref name="dir"/>; <paramref name="injected"/> are the hostile texts the inputs carried.</summary>
    public static IEnumerable<string> Problems(string dir, IReadOnlyCollection<string> injected)
    {
        var parts = injected.SelectMany(h => h.Split(' ').Append(h)).Where(p => p.Contains(MutationGen.Marker, StringComparison.Ordinal) && p.Length > 2).Distinct().ToList();
        foreach (var path in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var file = Path.GetRelativePath(dir, path).Replace('\\', '/');
            var text = File.ReadAllText(path, Encoding.UTF8);
            var control = text.IndexOfAny([.. Enumerable.Range(0, 32).Where(c => c is not ('\n' or '\t')).Select(c => (char)c), '\u007f']);
            if (control >= 0)
            {
                yield return $"{file}: raw control character U+{(int)text[control]:X4} at line {Line(text, control)}";
            }

            var problems = file switch
            {
                _ when file.StartsWith("nginx/", StringComparison.Ordinal) => Nginx(text, parts),
                _ when file.StartsWith("systemd/", StringComparison.Ordinal) => Unit(text, parts),
                _ when file.StartsWith("apps/", StringComparison.Ordinal) && file.EndsWith("/run", StringComparison.Ordinal) => RunScript(text),
                "acme/settings" => Settings(text),
                "acme/domains" or "users/names" => OneWordLines(text),
                _ => [],
            };
            foreach (var problem in problems)
            {
                yield return file + ": " + problem;
            }
        }
    }

    private static IEnumerable<string> Nginx(string text, List<string> parts)
    {
        var syntax = NginxSyntax.Read(text);
        if (syntax.Problem is { } problem)
        {
            yield return "not well-formed nginx: " + problem;
        }

        foreach (var part in parts)
        {
            for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
            {
                if (syntax.SyntaxWithin(at, part.Length) is var k and >= 0)
                {
                    yield return $"'{text[k]}' of the injected text {Show(part)} acts as nginx syntax on line {Line(text, k)}: {LineText(text, k)}";
                }
            }
        }
    }

    private static IEnumerable<string> Unit(string text, List<string> parts)
    {
        foreach (var line in text.Split('\n').Where(l => l.Length > 0 && !(l.StartsWith('[') && l.EndsWith(']')) && !l.Contains('=', StringComparison.Ordinal)))
        {
            yield return "a unit line that is neither [Section] nor Key=Value: " + Show(line);
        }

        foreach (var part in parts.Where(p => p.Contains('%', StringComparison.Ordinal) && text.Contains(p, StringComparison.Ordinal)))
        {
            yield return $"the injected text {Show(part)} reaches a unit with an unescaped '%' (a systemd specifier)";
        }
    }

    private static IEnumerable<string> RunScript(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length != 4 || lines[0] != "#!/bin/sh" || !lines[1].StartsWith("# ", StringComparison.Ordinal) || !lines[2].StartsWith("exec ", StringComparison.Ordinal) || lines[3].Length != 0)
        {
            yield return "the run script is not '#!/bin/sh', a comment and one 'exec' line: " + Show(text);
        }
    }

    private static IEnumerable<string> Settings(string text)
    {
        var keys = text.TrimEnd('\n').Split('\n').Select(l => l.Split('=', 2)[0]).Order(StringComparer.Ordinal);
        if (!keys.SequenceEqual(AcmeSettings))
        {
            yield return "acme/settings does not hold exactly one line per setting: " + Show(text);
        }
    }

    private static IEnumerable<string> OneWordLines(string text) =>
        text.Split('\n').SkipLast(1).Where(l => l.Length == 0 || l.Any(char.IsWhiteSpace)).Select(l => "a line that is not one name: " + Show(l));

    private static int Line(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    private static string LineText(string text, int index)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        var end = text.IndexOf('\n', index);
        return Show(text[start..(end < 0 ? text.Length : end)]);
    }

    private static string Show(string text) => Yaml.DoubleQuoted(text.Length > 200 ? text[..200] + "…" : text);
}

/// <summary>`nginx -t` on a node's rendered nginx tree, with placeholder certificates where activation would put real ones.</summary>
public static class NginxTest
{
    private const string Nginx = "/usr/sbin/nginx";

    private static readonly Lazy<(byte[] Cert, byte[] Key)> Placeholder = new(() =>
    {
        using var dir = new TempDir();
        var (cert, key) = (Path.Combine(dir.Path, "cert.pem"), Path.Combine(dir.Path, "key.pem"));
        NginxPrefix.Run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=placeholder", "-keyout", key, "-out", cert);
        return (File.ReadAllBytes(cert), File.ReadAllBytes(key));
    });

    public static bool Available => File.Exists(Nginx);

    /// <summary>nginx's complaint about the node's tree, or null when `nginx -t` accepts it.</summary>
    public static string? Problem(JsonObject plan, string node)
    {
        using var prefix = new TempDir();
        var p = prefix.Path;
        var generation = NodeRenderer.Render(plan, node, Path.Combine(p, "certs"), Path.Combine(p, "logs"));
        foreach (var file in generation.Files.Where(f => f.Path.StartsWith("nginx/", StringComparison.Ordinal)))
        {
            var path = Path.Combine(p, "gen", file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, file.Content);
            foreach (var line in Encoding.UTF8.GetString(file.Content).Split('\n').Select(l => l.Trim()))
            {
                var isCert = line.StartsWith("ssl_certificate ", StringComparison.Ordinal);
                if (isCert || line.StartsWith("ssl_certificate_key ", StringComparison.Ordinal))
                {
                    var target = line.Split(' ', 2)[1].TrimEnd(';').Trim('"');
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.WriteAllBytes(target, isCert ? Placeholder.Value.Cert : Placeholder.Value.Key);
                }
            }
        }

        var (code, output) = NginxPrefix.Run(Nginx, "-t", "-q", "-p", p, "-c", NginxPrefix.WriteConfig(p));
        return code == 0 ? null : output.Replace(p, "PREFIX", StringComparison.Ordinal).Trim();
    }
}

/// <summary>The positions that `plan`'s error lines name, checked against the files they name.</summary>
public static class ErrorLines
{
    /// <summary>Problems with the `error HP` lines of <paramref name="stderr"/> for the repo at <paramref name="repo"/>.</summary>
    public static IEnumerable<string> Problems(string stderr, string repo)
    {
        foreach (var line in stderr.Split('\n').Where(l => l.Contains("error HP", StringComparison.Ordinal)))
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^(?<file>[^:]+):(?<line>\d+):(?<col>\d+): error HP\d{4}[ :]");
            var fileLevel = System.Text.RegularExpressions.Regex.Match(line, @"^(?<file>[^:]+): error (?<code>HP1007|HP1009)[ :]");
            if (!m.Success && fileLevel.Success)
            {
                // The two documented errors without a position: a missing file, and a node directory with an invalid name.
                var named = fileLevel.Groups["file"].Value;
                var documented = fileLevel.Groups["code"].Value == "HP1007"
                    ? !File.Exists(Path.Combine(repo, named))
                    : named.StartsWith("nodes/", StringComparison.Ordinal) && named.EndsWith("/node.yaml", StringComparison.Ordinal);
                if (!documented)
                {
                    yield return "an error without a position that is not one of the documented file-level errors: " + line;
                }

                continue;
            }

            if (!m.Success)
            {
                yield return "an error without file:line:column: " + line;
                continue;
            }

            var path = Path.Combine(repo, m.Groups["file"].Value);
            if (!File.Exists(path))
            {
                yield return "an error naming a file that does not exist: " + line;
                continue;
            }

            var lines = File.ReadAllText(path, Encoding.UTF8).Split('\n');
            var (l, c) = (int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["col"].Value, CultureInfo.InvariantCulture));
            if (l < 1 || l > lines.Length || c < 1 || c > lines[l - 1].Length + 1)
            {
                yield return $"an error at {l}:{c}, outside the file ({lines.Length} lines; that line has {(l >= 1 && l <= lines.Length ? lines[l - 1].Length : -1)} characters): {line}";
            }
        }
    }
}
