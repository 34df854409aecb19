using System.Reflection;
using Provider.Nodes.Processes;
using Provider.Nodes.Ssh;

namespace Provider.Cli.Hooks;

/// <summary>What installing did: wrote a new hook, replaced one (ours, or another with --force), or found it already as wanted.</summary>
public enum HookInstallOutcome
{
    Installed,
    Replaced,
    Unchanged,
}

/// <summary>
/// The post-receive hook of a bare repository that hands each pushed ref to the deploy service (POST /hooks/push) and
/// streams the job's progress into `git push` (the script is the embedded post-receive.sh; its settings are
/// single-quoted with <see cref="ShellQuote"/>). The token file's path is written into the hook, never the token.
/// </summary>
public static class PostReceiveHook
{
    /// <summary>The line every hook this tool writes carries; a hook without it is someone else's.</summary>
    public const string Marker = "# hostenv-provider post-receive hook";

    public static string Render(Uri service, string? tokenFile)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("post-receive.sh")
            ?? throw new InvalidOperationException("the post-receive.sh resource is missing from the build");
        using var reader = new StreamReader(stream);
        var settings = $"HOSTENV_SERVICE={ShellQuote.Arg(service.ToString().TrimEnd('/'))}\nHOSTENV_TOKEN_FILE={ShellQuote.Arg(tokenFile ?? "")}";
        return reader.ReadToEnd().Replace("#@SETTINGS@", settings, StringComparison.Ordinal);
    }

    /// <summary>Writes hooks/post-receive (mode 0755) in <paramref name="bareRepo"/>; refuses a repository that is not bare, and another's hook without <paramref name="force"/>.</summary>
    public static async Task<HookInstallOutcome> InstallAsync(string bareRepo, Uri service, string? tokenFile, bool force, CancellationToken ct)
    {
        if (!Directory.Exists(bareRepo))
        {
            throw new UserException($"{bareRepo} does not exist; give the path of a bare repository (git init --bare)");
        }

        var bare = await ProcessRunner.RunAsync("git", ["--git-dir", bareRepo, "rev-parse", "--is-bare-repository"], timeout: TimeSpan.FromSeconds(30), cancellationToken: ct);
        if (!bare.Success || bare.Stdout.Trim() != "true")
        {
            throw new UserException($"{bareRepo} is not a bare git repository (git rev-parse --is-bare-repository: {(bare.Success ? bare.Stdout.Trim() : bare.Stderr.Trim())}); " +
                "the hook goes where pushes arrive: the server's bare repository");
        }

        var hooks = Path.Combine(bareRepo, "hooks");
        Directory.CreateDirectory(hooks);
        var path = Path.Combine(hooks, "post-receive");
        var script = Render(service, tokenFile is null ? null : Path.GetFullPath(tokenFile));
        var outcome = HookInstallOutcome.Installed;
        if (File.Exists(path))
        {
            var existing = await File.ReadAllTextAsync(path, ct);
            if (existing == script)
            {
                return HookInstallOutcome.Unchanged;
            }

            if (!existing.Contains(Marker, StringComparison.Ordinal) && !force)
            {
                throw new UserException($"{path} exists and is not hostenv-provider's hook; merge it by hand, or pass --force to replace it");
            }

            outcome = HookInstallOutcome.Replaced;
        }

        var temp = path + ".hostenv-tmp";
        await File.WriteAllTextAsync(temp, script, ct);
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.Move(temp, path, overwrite: true);
        return outcome;
    }
}
