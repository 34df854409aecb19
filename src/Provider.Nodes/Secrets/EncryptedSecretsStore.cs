using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;
using Provider.Nodes.Fleet;
using Provider.Nodes.Repository;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Secrets;

namespace Provider.Nodes.Secrets;

/// <summary>Where an environment's encrypted secrets live in its project, and whom they must be encrypted to now.</summary>
public sealed record EncryptedSecretsTarget(string UserName, string Node, string AgeFile, string RecipientsFile, string Display, string EnvironmentName,
    ImmutableArray<string> Recipients);

/// <summary>What an encrypt, edit or rekey wrote (names only).</summary>
public sealed record EncryptedSecretsWritten(EncryptedSecretsTarget Target, ImmutableArray<string> Names, bool Changed);

/// <summary>
/// `secrets encrypt|edit|rekey` on the operator's machine: the project's &lt;dir&gt;/secrets/&lt;environment&gt;.age,
/// encrypted with age to the pinned host key of the environment's planned node plus provider.yaml's
/// secrets.recipients, and the .recipients file beside it. Plaintext is on this disk only during `edit`: one 0600 file
/// in a 0700 directory (in RAM under /dev/shm when it exists), removed afterwards on every path, Ctrl+C and SIGTERM too.
/// </summary>
public static class EncryptedSecretsStore
{
    /// <summary>The environment variable naming the identity file that opens the secrets (an age key file or an SSH private key).</summary>
    public const string IdentityVariable = "HOSTENV_AGE_IDENTITY";

    public static EncryptedSecretsTarget Resolve(FleetAccess fleet, string env)
    {
        var (user, node, spec) = fleet.Placed(env);
        if (spec.Source.Path is not { } path)
        {
            throw new SecretsException($"{user} comes from a git source ({spec.Source.Git}): encrypted secrets are written into a project's working tree; " +
                "declare the project with 'path:' (a checkout in the provider repo) to manage them here, or use `secrets set`");
        }

        var hostKey = fleet.Config(node).HostKey
            ?? throw new SecretsException($"node {node} has no pinned hostKey in nodes/{node}/node.yaml, so nothing can be encrypted to it; run `hostenv-provider node add` or pin it");
        var folder = Path.Combine(fleet.RepoDir, path, spec.Source.Dir, "secrets");
        var relative = $"{path.TrimEnd('/')}/{spec.Source.Dir.Trim('/')}/secrets/{spec.EnvironmentName}.age";
        return new EncryptedSecretsTarget(user, node, Path.Combine(folder, spec.EnvironmentName + ".age"),
            Path.Combine(folder, spec.EnvironmentName + Planning.Secrets.RecipientsFile.Extension), relative, spec.EnvironmentName,
            EncryptedSecretsPlanner.Desired(hostKey, OperatorRecipients(fleet.RepoDir)));
    }

    /// <summary>Every planned environment that keeps its secrets in git (for `rekey --all`).</summary>
    public static ImmutableArray<string> EnvironmentsWithSecrets(FleetAccess fleet) =>
        [.. fleet.Plan.Environments.Values.Where(e => e.EncryptedSecrets is not null).Select(e => e.UserName).Order(StringComparer.Ordinal)];

    /// <summary>The identity that opens the secrets: the option, else $HOSTENV_AGE_IDENTITY, else ~/.ssh/id_ed25519.</summary>
    public static string IdentityFile(string? option)
    {
        if (option is not null)
        {
            return option;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(IdentityVariable);
        return fromEnvironment is { Length: > 0 } ? fromEnvironment
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "id_ed25519");
    }

    /// <summary>Encrypts NAME=VALUE lines (checked first) and writes the .age and .recipients files.</summary>
    public static async Task<EncryptedSecretsWritten> EncryptAsync(EncryptedSecretsTarget target, byte[] plaintext, CancellationToken ct)
    {
        var names = SecretsText.Names(plaintext);
        if (names.Length == 0)
        {
            throw new SecretsException("no NAME=VALUE line on stdin; pipe them in, e.g. `printf 'API_TOKEN=%s\\n' \"$TOKEN\" | hostenv-provider secrets encrypt ENV`");
        }

        await WriteAsync(target, plaintext, ct);
        return new EncryptedSecretsWritten(target, names, true);
    }

    /// <summary>Re-encrypts the file to the recipients it needs now (after the node or provider.yaml's recipients changed).</summary>
    public static async Task<EncryptedSecretsWritten> RekeyAsync(EncryptedSecretsTarget target, string identityFile, CancellationToken ct)
    {
        if (!File.Exists(target.AgeFile))
        {
            throw new SecretsException($"{target.Display} does not exist; create it with `hostenv-provider secrets encrypt {target.UserName}` or `secrets edit`");
        }

        var plaintext = await AgeTool.DecryptAsync(await File.ReadAllBytesAsync(target.AgeFile, ct), identityFile, target.Display, ct);
        try
        {
            var names = SecretsText.Names(plaintext);
            await WriteAsync(target, plaintext, ct);
            return new EncryptedSecretsWritten(target, names, true);
        }
        finally
        {
            CryptographicClear(plaintext);
        }
    }

    /// <summary>
    /// Opens the secrets (or an empty file when there are none yet) in <paramref name="editor"/> ($VISUAL/$EDITOR, run by
    /// /bin/sh like git does), then encrypts what was saved. The plaintext file is removed on every path.
    /// </summary>
    public static async Task<EncryptedSecretsWritten> EditAsync(EncryptedSecretsTarget target, string? identityFile, string editor, CancellationToken ct)
    {
        var before = File.Exists(target.AgeFile)
            ? await AgeTool.DecryptAsync(await File.ReadAllBytesAsync(target.AgeFile, ct), identityFile ?? IdentityFile(null), target.Display, ct)
            : Encoding.UTF8.GetBytes($"# Secrets of {target.UserName}: one NAME=VALUE a line (a systemd environment file). Lines starting with # are ignored.\n");
        using var scratch = PlaintextScratch.Create(target.EnvironmentName);
        await File.WriteAllBytesAsync(scratch.File, before, ct);
        CryptographicClear(before);
        var run = await RunEditorAsync(editor, scratch.File, ct);
        if (run != 0)
        {
            throw new SecretsException($"the editor ({editor}) exited with {run}: nothing was written, and the plaintext copy was removed");
        }

        var after = await File.ReadAllBytesAsync(scratch.File, ct);
        try
        {
            var names = SecretsText.Names(after);
            var current = File.Exists(target.AgeFile)
                ? await AgeTool.DecryptAsync(await File.ReadAllBytesAsync(target.AgeFile, ct), identityFile ?? IdentityFile(null), target.Display, ct)
                : null;
            var unchanged = current is not null && after.AsSpan().SequenceEqual(current);
            if (current is not null)
            {
                CryptographicClear(current);
            }

            if (unchanged && RecipientsMatch(target))
            {
                return new EncryptedSecretsWritten(target, names, false);
            }

            await WriteAsync(target, after, ct);
            return new EncryptedSecretsWritten(target, names, true);
        }
        finally
        {
            CryptographicClear(after);
        }
    }

    /// <summary>The editor on this terminal (stdin, stdout and stderr inherited), as `sh -c '$EDITOR "$1"'` so an editor with options works.</summary>
    private static async Task<int> RunEditorAsync(string editor, string file, CancellationToken ct)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var a in new[] { "-c", "$HOSTENV_EDITOR \"$1\"", "hostenv-editor", file })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["HOSTENV_EDITOR"] = editor;
        using var process = System.Diagnostics.Process.Start(psi) ?? throw new SecretsException($"could not start the editor {editor}");
        await process.WaitForExitAsync(ct);
        return process.ExitCode;
    }

    private static bool RecipientsMatch(EncryptedSecretsTarget target) =>
        File.Exists(target.RecipientsFile)
        && File.ReadAllText(target.RecipientsFile) == Planning.Secrets.RecipientsFile.Render(target.EnvironmentName, target.Recipients);

    private static async Task WriteAsync(EncryptedSecretsTarget target, byte[] plaintext, CancellationToken ct)
    {
        var armored = await AgeTool.EncryptAsync(plaintext, target.Recipients, ct);
        AtomicFile.Write(target.AgeFile, Encoding.ASCII.GetBytes(armored));
        AtomicFile.Write(target.RecipientsFile, Encoding.UTF8.GetBytes(Planning.Secrets.RecipientsFile.Render(target.EnvironmentName, target.Recipients)));
    }

    private static ImmutableArray<string> OperatorRecipients(string repoDir)
    {
        var repo = new ProviderRepository(repoDir);
        var bag = new DiagnosticBag();
        var provider = repo.ReadText(ProviderRepository.ProviderFile) is { } file ? InputBinder.ReadProvider(file, bag) : null;
        if (provider is not null)
        {
            EncryptedSecretsPlanner.CheckOperatorRecipients(provider, bag);
        }

        if (provider is null || bag.HasErrors)
        {
            throw new SecretsException("provider.yaml is not valid:\n" + string.Join("\n", bag.Items.Where(d => d.IsError).Select(d => d.Format())));
        }

        return provider.SecretRecipients;
    }

    private static void CryptographicClear(byte[] bytes) => System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);

    /// <summary>A 0700 directory with one 0600 file for the plaintext; removed on dispose and when the process is told to stop.</summary>
    private sealed class PlaintextScratch : IDisposable
    {
        private readonly string directory;
        private readonly PosixSignalRegistration[] signals;

        private PlaintextScratch(string directory, string file)
        {
            this.directory = directory;
            File = file;
            // Told to stop: remove the plaintext, then stop as usual. Ctrl+C while the editor runs is the editor's (vi uses it).
            signals = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, _ => Remove())),
                PosixSignalRegistration.Create(PosixSignal.SIGQUIT, _ => Remove())];
        }

        public string File { get; }

        public static PlaintextScratch Create(string environment)
        {
            var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
            var dir = Path.Combine(root, "hostenv-secrets-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var file = Path.Combine(dir, environment + ".env");
            using (new FileStream(file, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
            }

            return new PlaintextScratch(dir, file);
        }

        public void Dispose()
        {
            Remove();
            foreach (var s in signals)
            {
                s.Dispose();
            }
        }

        private void Remove()
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
