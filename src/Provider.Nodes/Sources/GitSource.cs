using System.Security.Cryptography;
using System.Text;
using Provider.Nodes.Processes;

namespace Provider.Nodes.Sources;

public sealed class GitSourceException(string message) : Exception(message);

/// <summary>
/// Project repositories fetched shallowly into a cache outside the provider repo (one bare repo per
/// URL), read only at pinned commits. Uses the git command, as operators' credentials and config apply.
/// </summary>
public sealed class GitSource(string cacheRoot)
{
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromMinutes(5);
    internal static readonly IReadOnlyDictionary<string, string> GitEnv = new Dictionary<string, string>()
    {
        ["GIT_TERMINAL_PROMPT"] = "0", // never hang waiting for a password
        ["GIT_ASKPASS"] = "true",
        ["LC_ALL"] = "C",
    };

    public string CacheRoot { get; } = cacheRoot;

    /// <summary>$HOSTENV_PROVIDER_CACHE, else $XDG_CACHE_HOME/hostenv-provider, else ~/.cache/hostenv-provider.</summary>
    public static string DefaultCacheRoot()
    {
        var explicitDir = Environment.GetEnvironmentVariable("HOSTENV_PROVIDER_CACHE");
        if (!string.IsNullOrEmpty(explicitDir))
        {
            return explicitDir;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "hostenv-provider");
    }

    public string RepoDir(string url) =>
        Path.Combine(CacheRoot, "git", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)))[..24]);

    /// <summary>Resolves a branch or tag to a commit by a shallow fetch of that ref.</summary>
    public async Task<string> ResolveAsync(string url, string @ref, CancellationToken ct)
    {
        var dir = await EnsureRepoAsync(url, ct);
        var fetch = await Git(dir, ct, "fetch", "--quiet", "--depth", "1", "--no-tags", "--", url, @ref);
        if (!fetch.Success)
        {
            throw new GitSourceException($"cannot fetch '{@ref}' from {url}: {FirstLine(fetch.Stderr)}");
        }

        var rev = await Git(dir, ct, "rev-parse", "--verify", "FETCH_HEAD^{commit}");
        return rev.Success ? rev.Stdout.Trim() : throw new GitSourceException($"'{@ref}' of {url} is not a commit");
    }

    /// <summary>Reads a file at a commit, fetching that commit shallowly if the cache lacks it. Null if the file does not exist there.</summary>
    public async Task<string?> ReadFileAsync(string url, string rev, string path, CancellationToken ct)
    {
        var dir = await EnsureRepoAsync(url, ct);
        if (!(await Git(dir, ct, "cat-file", "-e", rev + "^{commit}")).Success)
        {
            var fetch = await Git(dir, ct, "fetch", "--quiet", "--depth", "1", "--no-tags", "--", url, rev);
            if (!fetch.Success || !(await Git(dir, ct, "cat-file", "-e", rev + "^{commit}")).Success)
            {
                throw new GitSourceException($"commit {rev[..Math.Min(12, rev.Length)]} is not available from {url}" +
                    (fetch.Success ? "" : $": {FirstLine(fetch.Stderr)}") + " (was history rewritten?)");
            }
        }

        var show = await Git(dir, ct, "show", $"{rev}:{path}");
        return show.Success ? show.Stdout : null;
    }

    /// <summary>The whole tree at a commit as a tar file (the caller deletes it): what a release of a git source ships.</summary>
    public async Task<string> ArchiveAsync(string url, string rev, CancellationToken ct)
    {
        await ReadFileAsync(url, rev, ".", ct); // fetches the commit if the cache lacks it
        var dir = RepoDir(url);
        var tar = Path.Combine(Path.GetTempPath(), $"hostenv-release-{rev[..Math.Min(12, rev.Length)]}-{Environment.ProcessId}.tar");
        var r = await Git(dir, ct, "archive", "--format=tar", "-o", tar, rev);
        return r.Success ? tar : throw new GitSourceException($"cannot archive {rev[..Math.Min(12, rev.Length)]} of {url}: {FirstLine(r.Stderr)}");
    }

    private async Task<string> EnsureRepoAsync(string url, CancellationToken ct)
    {
        var dir = RepoDir(url);
        if (!Directory.Exists(Path.Combine(dir, "objects")))
        {
            Directory.CreateDirectory(dir);
            var init = await Git(dir, ct, "init", "--quiet", "--bare");
            if (!init.Success)
            {
                throw new GitSourceException($"cannot create the git cache at {dir}: {FirstLine(init.Stderr)}");
            }
        }

        return dir;
    }

    private static Task<ProcessResult> Git(string gitDir, CancellationToken ct, params string[] args) =>
        ProcessRunner.RunAsync("git", ["--git-dir", gitDir, .. args], environment: GitEnv, timeout: FetchTimeout, cancellationToken: ct);

    private static string FirstLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.FirstOrDefault(l => l.StartsWith("fatal:", StringComparison.Ordinal)) ?? lines.FirstOrDefault() ?? "(no message)";
    }
}
