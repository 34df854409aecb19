using Provider.Nodes.Fleet;
using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provider.Cli.Output;
using Provider.Nodes.Apply;
using Provider.Nodes.Ssh;
using Provider.Planning.Output;
using Provider.Planning.Render;

namespace Provider.Cli.Commands;

/// <summary>
/// `secrets set ENV NAME` (value on stdin) and `secrets list ENV`: secrets live only on the environment's
/// node, in a 0600 file owned by its user that its service reads as environment variables. The value
/// travels over the SSH channel's stdin: it is never on a command line, never stored locally, never printed.
/// </summary>
public static partial class SecretsCommand
{
    private static readonly Argument<string> EnvArgument = new("env") { Description = "The environment: its userName or project/environment." };
    private static readonly Argument<string> NameArgument = new("name") { Description = "The variable name (A-Z, 0-9, _)." };

    public static Command Create(CliConsole console)
    {
        var set = new Command("set", "Set a secret from stdin on the environment's node (takes effect at the next deploy).");
        set.Arguments.Add(EnvArgument);
        set.Arguments.Add(NameArgument);
        set.SetAction((r, ct) => SetAsync(CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Identity), r.GetValue(EnvArgument)!, r.GetValue(NameArgument)!, console, ct));

        var unset = new Command("unset", "Remove a secret from the environment's node.");
        unset.Arguments.Add(EnvArgument);
        unset.Arguments.Add(NameArgument);
        unset.SetAction((r, ct) => SetAsync(CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Identity), r.GetValue(EnvArgument)!, r.GetValue(NameArgument)!, console, ct, remove: true));

        var list = new Command("list", "List the secret names set for an environment (never the values), and declared ones still missing.");
        list.Arguments.Add(EnvArgument);
        list.Options.Add(CommonOptions.Format);
        list.SetAction((r, ct) => ListAsync(CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Identity), r.GetValue(EnvArgument)!, r.GetValue(CommonOptions.Format) ?? "text", console, ct));

        var secrets = new Command("secrets", "Manage an environment's secrets on its node.");
        secrets.Subcommands.Add(set);
        secrets.Subcommands.Add(unset);
        secrets.Subcommands.Add(list);
        return secrets;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();

    public static async Task<int> SetAsync(string repoDir, string? identity, string env, string name, CliConsole console, CancellationToken ct, bool remove = false)
    {
        if (!NamePattern().IsMatch(name) || name.StartsWith("HOSTENV_", StringComparison.Ordinal))
        {
            throw new UserException($"'{name}' is not a usable variable name: letters, digits and _, not starting with a digit, and not HOSTENV_* (those are the tool's)");
        }

        var fleet = new FleetAccess(repoDir, identity);
        var (user, node, _) = fleet.Placed(env);
        string line = "";
        if (!remove)
        {
            var value = await console.In.ReadToEndAsync(ct);
            value = value.TrimEnd('\n', '\r');
            if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                throw new UserException("a secret value cannot span lines (systemd environment files are line based); base64-encode multi-line values");
            }

            if (value.Length == 0)
            {
                throw new UserException("no value on stdin; pipe it in, e.g. `printf %s \"$TOKEN\" | hostenv-provider secrets set ENV NAME`");
            }

            line = $"{name}=\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"\n";
        }

        await using var session = await fleet.ConnectAsync(node, ct);
        var r = await session.RunAsync(RemoteCommand.Shell("""
            set -e
            dir="$1"; user="$2"; name="$3"; mode="$4"; file="$dir/$user.env"
            install -d -m 0711 -o root -g root "$dir"
            umask 077
            tmp=$(mktemp "$dir/.secrets.XXXXXX")
            [ -f "$file" ] && grep -v "^$name=" "$file" > "$tmp" || true
            [ "$mode" = set ] && cat >> "$tmp"
            # Before the first deploy the user does not exist yet: the file stays root's until the deploy hands it over.
            chown "$user:$user" "$tmp" 2>/dev/null || true; chmod 0600 "$tmp"
            mv -f "$tmp" "$file"
            """, NodeRenderer.SecretsRoot, user, name, remove ? "unset" : "set").AsRoot(), TimeSpan.FromSeconds(60), line, ct);
        if (!r.Success)
        {
            throw new UserException($"{node}: could not write the secret: {r.Stderr.Trim()}");
        }

        console.Error.WriteLine(remove
            ? $"{node}/{user}: removed {name}; the running service keeps it until the next deploy"
            : $"{node}/{user}: {name} set ({NodeRenderer.SecretsRoot}/{user}.env, 0600); the next deploy restarts the service with it");
        return ExitCodes.Success;
    }

    public static async Task<int> ListAsync(string repoDir, string? identity, string env, string format, CliConsole console, CancellationToken ct)
    {
        var fleet = new FleetAccess(repoDir, identity);
        var (user, node, spec) = fleet.Placed(env);
        await using var session = await fleet.ConnectAsync(node, ct);
        var r = await session.RunAsync(RemoteCommand.Shell("sed -n \"$3\" \"$1/$2.env\" 2>/dev/null || true", NodeRenderer.SecretsRoot, user, EnvironmentStage.SecretNamesSed).AsRoot(),
            TimeSpan.FromSeconds(60), ct);
        var set = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var declared = EnvironmentStage.DeclaredSecrets(spec).ToHashSet(StringComparer.Ordinal);
        var rows = set.Union(declared).Order(StringComparer.Ordinal).Select(n => (Name: n, IsSet: set.Contains(n), Declared: declared.Contains(n))).ToList();
        if (format == "json")
        {
            console.Out.Write(System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(new JsonObject
            {
                ["environment"] = user,
                ["node"] = node,
                ["secrets"] = new JsonArray([.. rows.Select(x => (JsonNode)new JsonObject { ["name"] = x.Name, ["set"] = x.IsSet, ["declared"] = x.Declared })]),
            })));
        }
        else
        {
            TextTable.Write(console.Out, ["NAME", "STATE"], rows.Select(x => new[] { x.Name, x.IsSet ? (x.Declared ? "set" : "set (not declared in hostenv.yaml)") : "MISSING (declared, not set)" }));
        }

        return rows.Any(x => x.Declared && !x.IsSet) ? ExitCodes.Error : ExitCodes.Success;
    }
}
