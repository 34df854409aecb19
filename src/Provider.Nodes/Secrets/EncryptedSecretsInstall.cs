using System.Reflection;
using System.Text;
using Provider.Nodes.Apply;
using Provider.Nodes.Ssh;
using Provider.Planning.Plan;
using Provider.Planning.Render;

namespace Provider.Nodes.Secrets;

/// <summary>
/// Deploy's part of secrets kept in git (<c>&lt;dir&gt;/secrets/&lt;environment&gt;.age</c> in the project): only the
/// ciphertext travels (from the release's own files, so it is the planned revision's); the node opens it with its
/// SSH host key (secrets-age.sh) into <c>/var/lib/hostenv/secrets/&lt;user&gt;.age.env</c>, 0600, the environment's
/// user. An environment whose ciphertext the node cannot open is refused before anything of it changes.
/// </summary>
public static class EncryptedSecretsInstall
{
    /// <summary>The node's key that opens the ciphertext (the private half of the pinned ssh-ed25519 host key).</summary>
    public const string HostKeyFile = "/etc/ssh/ssh_host_ed25519_key";

    /// <summary>The node script, as embedded (Remote/secrets-age.sh).</summary>
    public static string Script { get; } = Load();

    /// <summary>The ciphertext's path inside the project (and so inside a release).</summary>
    public static string PathIn(EnvironmentSource source, string environment) => $"{source.Dir.Trim('/')}/secrets/{environment}.age";

    /// <summary>Why this environment's secrets cannot be installed as planned (null when they can), decided before contacting the node.</summary>
    public static string? Refusal(EnvironmentPlan env, ReleaseFiles release)
    {
        var path = PathIn(env.Source, env.EnvironmentName);
        var file = release.Files.FirstOrDefault(f => f.Path == path);
        var fix = $"`hostenv-provider secrets rekey {env.UserName}`, commit, `hostenv-provider plan`, then deploy again";
        return (env.EncryptedSecrets, file) switch
        {
            ({ Rekey: { } reason }, _) => $"its secrets ({path}) need a rekey: {reason}; nothing was changed for it: run {fix}",
            (null, null) => null,
            (null, not null) or (not null, null) => $"{path} was added or removed since the plan; nothing was changed for it: run `hostenv-provider plan` first",
            ({ } planned, { } f) when planned.Sha256 != f.Sha256 => $"{path} changed since the plan; nothing was changed for it: run `hostenv-provider plan` first",
            _ => null,
        };
    }

    /// <summary>Whether the release carries the environment's ciphertext (without it, the state read removes the node's decrypted copy).</summary>
    public static bool Ships(EnvironmentPlan env, ReleaseFiles release) => release.Files.Any(f => f.Path == PathIn(env.Source, env.EnvironmentName));

    /// <summary>
    /// Installs the node's copy of the environment's secrets (when the release carries none, the state read that follows
    /// removes the node's copy: one trip fewer for every environment without them).
    /// Returns why the environment is refused, or null. Nothing is written when it is refused.
    /// </summary>
    public static async Task<string?> ApplyAsync(SshNodeSession session, EnvironmentPlan env, ReleaseFiles release, bool checkOnly, CancellationToken ct)
    {
        if (Refusal(env, release) is { } refused)
        {
            return refused;
        }

        var file = release.Files.FirstOrDefault(f => f.Path == PathIn(env.Source, env.EnvironmentName));
        if (file is null)
        {
            return null;
        }

        string armored;
        await using (var stream = file.Open())
        using (var reader = new StreamReader(stream, Encoding.ASCII))
        {
            armored = await reader.ReadToEndAsync(ct);
        }

        var r = await session.RunAsync(RemoteCommand.Shell(Script, NodeRenderer.SecretsRoot, env.UserName, checkOnly ? "check" : "install", HostKeyFile).AsRoot(),
            TimeSpan.FromSeconds(60), armored, ct);
        if (r.ExitCode == 3)
        {
            return $"{session.Target.Node}: {r.Stderr.Trim()}; nothing was changed for it: the ciphertext is not encrypted to this node's host key: " +
                $"run `hostenv-provider secrets rekey {env.UserName}`, commit, `hostenv-provider plan`, then deploy again";
        }

        return r.Success ? null : $"could not install its secrets: {r.Stderr.Trim()}";
    }

    private static string Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Provider.Nodes.Remote.secrets-age.sh")
            ?? throw new InvalidOperationException("secrets-age.sh is not embedded in Provider.Nodes");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
