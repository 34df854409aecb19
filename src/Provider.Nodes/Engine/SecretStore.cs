using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Provider.Nodes.Apply;
using Provider.Nodes.Fleet;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Render;

namespace Provider.Nodes.Engine;

/// <summary>One secret of an environment as its node holds it (names only: values never leave the node).</summary>
public sealed record SecretState(string Name, bool IsSet, bool Declared);

/// <summary>Where a secret operation happened: the environment and its node.</summary>
public sealed record SecretTarget(string Environment, string Node);

/// <summary>
/// An environment's secrets on its node (/var/lib/hostenv/secrets/&lt;user&gt;.env, 0600, the environment's user): the value
/// travels on the SSH channel's stdin only, never in argv, logs or a local file.
/// </summary>
public static partial class SecretStore
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();

    /// <summary>Refuses a name the service could not read as an environment variable (before any value is asked for).</summary>
    public static void CheckName(string name)
    {
        if (!NamePattern().IsMatch(name) || name.StartsWith("HOSTENV_", StringComparison.Ordinal))
        {
            throw new OperationRefusedException($"'{name}' is not a usable variable name: letters, digits and _, not starting with a digit, and not HOSTENV_* (those are the tool's)");
        }
    }

    /// <summary>Sets (value non-null) or removes (null) one secret.</summary>
    public static async Task<SecretTarget> WriteAsync(FleetAccess fleet, string env, string name, string? value, CancellationToken ct)
    {
        CheckName(name);

        var line = "";
        if (value is not null)
        {
            value = value.TrimEnd('\n', '\r');
            if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                throw new OperationRefusedException("a secret value cannot span lines (systemd environment files are line based); base64-encode multi-line values");
            }

            if (value.Length == 0)
            {
                throw new OperationRefusedException("no value on stdin; pipe it in, e.g. `printf %s \"$TOKEN\" | hostenv-provider secrets set ENV NAME`");
            }

            line = $"{name}=\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"\n";
        }

        var (user, node, _) = fleet.Placed(env);
        await using var session = await fleet.ConnectAsync(node, ct);
        var r = await session.RunAsync(RemoteScripts.Command("secrets-write.sh", NodeRenderer.SecretsRoot, user, name, value is null ? "unset" : "set").AsRoot(), TimeSpan.FromSeconds(60), line, ct);
        if (!r.Success)
        {
            throw new OperationRefusedException($"{node}: could not write the secret: {r.Stderr.Trim()}");
        }

        return new SecretTarget(user, node);
    }

    /// <summary>The names set on the node and the ones the manifest declares, each with whether it is set and declared.</summary>
    public static async Task<(SecretTarget Target, ImmutableArray<SecretState> Secrets)> ListAsync(FleetAccess fleet, string env, CancellationToken ct)
    {
        var (user, node, spec) = fleet.Placed(env);
        await using var session = await fleet.ConnectAsync(node, ct);
        var r = await session.RunAsync(RemoteCommand.Shell("cat \"$1/$2.env\" \"$1/$2.age.env\" 2>/dev/null | sed -n \"$3\"", NodeRenderer.SecretsRoot, user, EnvironmentStage.SecretNamesSed).AsRoot(),
            TimeSpan.FromSeconds(60), ct);
        var set = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var declared = EnvironmentStage.DeclaredSecrets(spec).ToHashSet(StringComparer.Ordinal);
        return (new SecretTarget(user, node),
            [.. set.Union(declared).Order(StringComparer.Ordinal).Select(n => new SecretState(n, set.Contains(n), declared.Contains(n)))]);
    }
}
