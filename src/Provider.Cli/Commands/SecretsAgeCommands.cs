using System.CommandLine;
using System.Text;
using Provider.Nodes.Fleet;
using Provider.Nodes.Secrets;
using Provider.Planning.Secrets;

namespace Provider.Cli.Commands;

/// <summary>
/// `secrets encrypt ENV` (NAME=VALUE lines on stdin), `secrets edit ENV` and `secrets rekey ENV|--all`: secrets kept in
/// the project as &lt;dir&gt;/secrets/&lt;environment&gt;.age, encrypted with age to the environment's node's pinned host key
/// and provider.yaml's secrets.recipients. Deploy sends only the ciphertext; the node opens it with its host key.
/// </summary>
public static class SecretsAgeCommands
{
    private static readonly Argument<string> EnvArgument = new("env") { Description = "The environment: its userName or project/environment." };

    private static readonly Option<string?> IdentityFile = new("--identity-file")
    {
        Description = $"The age identity that opens the secrets: an age key file or an SSH private key whose public key is a recipient (else ${EncryptedSecretsStore.IdentityVariable}, else ~/.ssh/id_ed25519).",
    };

    public static IEnumerable<Command> Create(CliConsole console)
    {
        var encrypt = new Command("encrypt", "Encrypt NAME=VALUE lines from stdin into the project's .hostenv/secrets/<environment>.age (replacing it).");
        encrypt.Arguments.Add(EnvArgument);
        encrypt.SetAction((r, ct) => EncryptAsync(CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Identity), r.GetValue(EnvArgument)!, console, ct));

        var edit = new Command("edit", "Open the environment's encrypted secrets in $VISUAL/$EDITOR (a 0600 temporary file, removed afterwards) and encrypt what you save.");
        edit.Arguments.Add(EnvArgument);
        edit.Options.Add(IdentityFile);
        edit.SetAction((r, ct) => EditAsync(CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Identity), r.GetValue(EnvArgument)!, r.GetValue(IdentityFile), console, ct));

        var all = new Option<bool>("--all") { Description = "Every environment that keeps its secrets in git." };
        var rekey = new Command("rekey", "Encrypt the secrets again to the recipients they need now (after the environment's node, its host key or secrets.recipients changed).");
        rekey.Arguments.Add(new Argument<string?>("env") { Description = "The environment (or --all).", Arity = ArgumentArity.ZeroOrOne });
        rekey.Options.Add(all);
        rekey.Options.Add(IdentityFile);
        rekey.SetAction((r, ct) => RekeyAsync(CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Identity), r.GetValue<string?>("env"), r.GetValue(all), r.GetValue(IdentityFile), console, ct));
        return [encrypt, edit, rekey];
    }

    public static async Task<int> EncryptAsync(string repoDir, string? identity, string env, CliConsole console, CancellationToken ct)
    {
        var target = EncryptedSecretsStore.Resolve(new FleetAccess(repoDir, identity), env);
        var plaintext = Encoding.UTF8.GetBytes(await console.In.ReadToEndAsync(ct));
        Report(console, await EncryptedSecretsStore.EncryptAsync(target, plaintext, ct));
        return ExitCodes.Success;
    }

    public static async Task<int> EditAsync(string repoDir, string? identity, string env, string? identityFile, CliConsole console, CancellationToken ct)
    {
        var target = EncryptedSecretsStore.Resolve(new FleetAccess(repoDir, identity), env);
        var editor = Environment.GetEnvironmentVariable("VISUAL") is { Length: > 0 } visual ? visual
            : Environment.GetEnvironmentVariable("EDITOR") is { Length: > 0 } editorVariable ? editorVariable : "vi";
        var written = await EncryptedSecretsStore.EditAsync(target, identityFile is null ? null : EncryptedSecretsStore.IdentityFile(identityFile), editor, ct);
        if (!written.Changed)
        {
            console.Error.WriteLine($"{target.Display}: no change; nothing written");
            return ExitCodes.Success;
        }

        Report(console, written);
        return ExitCodes.Success;
    }

    public static async Task<int> RekeyAsync(string repoDir, string? identity, string? env, bool all, string? identityFile, CliConsole console, CancellationToken ct)
    {
        var fleet = new FleetAccess(repoDir, identity);
        if ((env is null) == !all)
        {
            console.Error.WriteLine("error: name one environment or pass --all");
            return ExitCodes.Error;
        }

        var environments = all ? EncryptedSecretsStore.EnvironmentsWithSecrets(fleet) : [env!];
        var key = EncryptedSecretsStore.IdentityFile(identityFile);
        foreach (var name in environments)
        {
            Report(console, await EncryptedSecretsStore.RekeyAsync(EncryptedSecretsStore.Resolve(fleet, name), key, ct));
        }

        if (environments.Length == 0)
        {
            console.Error.WriteLine("no environment keeps its secrets in git (run `hostenv-provider plan` first if you just added one)");
        }

        return ExitCodes.Success;
    }

    private static void Report(CliConsole console, EncryptedSecretsWritten written)
    {
        var t = written.Target;
        console.Error.WriteLine($"{t.UserName}: wrote {t.Display} ({written.Names.Length} secret(s): {string.Join(", ", written.Names)}) for " +
            $"{t.Recipients.Length} recipient(s): {string.Join(", ", t.Recipients.Select(AgeRecipient.Short))} (node {t.Node}'s host key among them); " +
            "commit it, run `hostenv-provider plan`, then deploy");
    }
}
