using Provider.Nodes.Processes;

namespace Provider.Nodes.Sources;

/// <summary>What recording a change in the provider repo did: the commit (null: nothing to commit), and a push problem, if any.</summary>
public sealed record RepoCommit(string? Rev, bool Pushed, string? PushError);

/// <summary>
/// Git on the provider repo itself (not a project's): commits what a service-run command changed (provider.lock,
/// generated/) so git stays the source of truth, and pushes it to origin when there is one. Only the named paths are
/// committed (`git commit --only`), whatever else the working tree holds.
/// </summary>
public sealed class ProviderRepoGit(string repoDir)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public async Task<bool> IsRepositoryAsync(CancellationToken ct) =>
        (await Git(null, ct, "rev-parse", "--is-inside-work-tree")).Stdout.Trim() == "true";

    /// <summary>Commits <paramref name="paths"/> as <paramref name="authorName"/> &lt;<paramref name="authorEmail"/>&gt; (also the committer), then pushes to origin if configured.</summary>
    public async Task<RepoCommit> CommitAsync(IReadOnlyList<string> paths, string message, string authorName, string authorEmail, CancellationToken ct)
    {
        var identity = new Dictionary<string, string>
        {
            ["GIT_AUTHOR_NAME"] = authorName,
            ["GIT_AUTHOR_EMAIL"] = authorEmail,
            ["GIT_COMMITTER_NAME"] = authorName,
            ["GIT_COMMITTER_EMAIL"] = authorEmail,
        };
        var existing = paths.Where(p => File.Exists(Path.Combine(repoDir, p)) || Directory.Exists(Path.Combine(repoDir, p))).ToList();
        if (existing.Count == 0)
        {
            return new RepoCommit(null, false, null);
        }

        var add = await Git(identity, ct, ["add", "--all", "--", .. existing]);
        if (!add.Success)
        {
            throw new GitSourceException($"git add in the provider repo failed: {add.Stderr.Trim()}");
        }

        if ((await Git(identity, ct, ["diff", "--cached", "--quiet", "--", .. existing])).Success)
        {
            return new RepoCommit(null, false, null);
        }

        var commit = await Git(identity, ct, ["commit", "--quiet", "--no-verify", "-m", message, "--only", "--", .. existing]);
        if (!commit.Success)
        {
            throw new GitSourceException($"git commit in the provider repo failed: {commit.Stderr.Trim()}");
        }

        var rev = (await Git(identity, ct, "rev-parse", "HEAD")).Stdout.Trim();
        if (!(await Git(identity, ct, "remote", "get-url", "origin")).Success)
        {
            return new RepoCommit(rev, false, null);
        }

        var push = await Git(identity, ct, "push", "--quiet", "origin", "HEAD");
        return new RepoCommit(rev, push.Success, push.Success ? null : push.Stderr.Trim());
    }

    private Task<ProcessResult> Git(IReadOnlyDictionary<string, string>? extra, CancellationToken ct, params string[] args)
    {
        var env = new Dictionary<string, string>(GitSource.GitEnv);
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        return ProcessRunner.RunAsync("git", ["-C", repoDir, .. args], environment: env, timeout: Timeout, cancellationToken: ct);
    }
}
