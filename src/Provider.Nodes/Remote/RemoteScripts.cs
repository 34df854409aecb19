using System.Collections.Frozen;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Provider.Nodes.Apply;
using Provider.Nodes.Ssh;
using Provider.Planning.Planner;
using Provider.Planning.Render;

namespace Provider.Nodes.Remote;

/// <summary>
/// The scripts that run on nodes: the .sh files beside this class, embedded in the assembly. A script takes its values
/// as positional arguments (quoted by <see cref="RemoteCommand"/>) or environment variables, never as text pasted into
/// its body. hostenv's node paths are defined once, in C#: a script names them as HOSTENV_* variables and gets a
/// prelude assigning the ones it uses, after its first line (#!/bin/sh), so what is sent is what shellcheck checks.
/// </summary>
public static partial class RemoteScripts
{
    private const string ResourcePrefix = "Provider.Nodes.Remote.";

    /// <summary>The paths a script may use, by variable name; the prelude assigns the ones a script mentions.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> Paths =
    [
        new("HOSTENV_ROOT", GenerationHistory.Root),
        new("HOSTENV_ENVS", EnvironmentStage.EnvsRoot),
        new("HOSTENV_BLOBS", EnvironmentStage.BlobsRoot),
        new("HOSTENV_SECRETS", NodeRenderer.SecretsRoot),
        new("HOSTENV_CERTS", NodeRenderer.CertRoot),
        new("HOSTENV_OVERRIDES", HostenvPaths.OverridesRoot),
        new("HOSTENV_LOGS", HostenvPaths.LogRoot),
    ];

    private static readonly FrozenDictionary<string, string> Files = Load();

    private static readonly Lazy<FrozenDictionary<string, string>> Sent = new(() => Files.Where(f => f.Key.EndsWith(".sh", StringComparison.Ordinal))
        .ToFrozenDictionary(f => f.Key, f => Compose(f.Key, f.Value), StringComparer.Ordinal));

    /// <summary>The embedded files by name (scripts and the helper programs they run).</summary>
    public static IEnumerable<string> Names => Files.Keys.Order(StringComparer.Ordinal);

    /// <summary>The exact text sent for the script <paramref name="name"/> (e.g. "env-switch.sh"): its first line, the path prelude, its body.</summary>
    public static string Text(string name) =>
        Sent.Value.TryGetValue(name, out var text) ? text : throw new InvalidOperationException($"no node script '{name}' is embedded in Provider.Nodes");

    /// <summary>An embedded file as it is (a helper program passed to a script as an argument, e.g. assemble.pl).</summary>
    public static string File(string name) =>
        Files.TryGetValue(name, out var text) ? text : throw new InvalidOperationException($"no node file '{name}' is embedded in Provider.Nodes");

    /// <summary>The script <paramref name="name"/> run by sh with <paramref name="args"/> as $1, $2, ...</summary>
    public static RemoteCommand Command(string name, params string[] args) => RemoteCommand.Shell(Text(name), args);

    /// <summary>A script's body with its prelude but without its first line, to embed it in another script (as a function body).</summary>
    public static string Body(string name)
    {
        var text = Text(name);
        return text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];
    }

    /// <summary>Assignments of the HOSTENV_* paths that <paramref name="body"/> mentions, in <see cref="Paths"/> order; an unknown one is an error.</summary>
    public static string Prelude(string body, string what = "a node script")
    {
        var used = PathVariable().Matches(body).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var unknown = used.Where(u => !Paths.Any(p => p.Key == u)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"{what} uses {string.Join(", ", unknown)}, which RemoteScripts.Paths does not define");
        }

        var sb = new StringBuilder();
        foreach (var (key, value) in Paths.Where(p => used.Contains(p.Key)))
        {
            sb.Append(key).Append('=').Append(ShellQuote.Arg(value)).Append('\n');
        }

        return sb.ToString();
    }

    private static string Compose(string name, string file)
    {
        var newline = file.IndexOf('\n', StringComparison.Ordinal);
        if (!file.StartsWith("#!/bin/sh\n", StringComparison.Ordinal) && !file.StartsWith("#!/bin/bash\n", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"node script {name} must start with #!/bin/sh (or #!/bin/bash)");
        }

        return file[..(newline + 1)] + Prelude(file[(newline + 1)..], name) + file[(newline + 1)..];
    }

    private static FrozenDictionary<string, string> Load()
    {
        var assembly = typeof(RemoteScripts).Assembly;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            files[resource[ResourcePrefix.Length..]] = reader.ReadToEnd();
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    // $HOSTENV_X and ${HOSTENV_X...}; assignments (HOSTENV_RELEASE_DIR=... for an app) are not uses.
    [GeneratedRegex(@"\$\{?(HOSTENV_[A-Z0-9_]+)")]
    private static partial Regex PathVariable();
}
