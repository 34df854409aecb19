using Provider.Nodes.Engine;
using Provider.Nodes.Fleet;
using System.CommandLine;
using System.Text.Json.Nodes;
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
public static class SecretsCommand
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
        foreach (var command in SecretsAgeCommands.Create(console))
        {
            secrets.Subcommands.Add(command);
        }

        return secrets;
    }

    public static async Task<int> SetAsync(string repoDir, string? identity, string env, string name, CliConsole console, CancellationToken ct, bool remove = false)
    {
        SecretStore.CheckName(name);
        var value = remove ? null : await console.In.ReadToEndAsync(ct);
        var (user, node) = await SecretStore.WriteAsync(new FleetAccess(repoDir, identity), env, name, value, ct);
        console.Error.WriteLine(remove
            ? $"{node}/{user}: removed {name}; the running service keeps it until the next deploy"
            : $"{node}/{user}: {name} set ({NodeRenderer.SecretsRoot}/{user}.env, 0600); the next deploy restarts the service with it");
        return ExitCodes.Success;
    }

    public static async Task<int> ListAsync(string repoDir, string? identity, string env, string format, CliConsole console, CancellationToken ct)
    {
        var ((user, node), rows) = await SecretStore.ListAsync(new FleetAccess(repoDir, identity), env, ct);
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
