namespace Provider.Monitor.Push;

/// <summary>
/// Compares repository URLs as a push names them with those in provider.yaml. Normalised form: for a remote URL,
/// "host/path" (scheme, user and port dropped; host lower-cased), so https://host/o/r.git, ssh://git@host:22/o/r,
/// git@host:o/r.git (the scheme-less ssh form) and git://host/o/r are one repository; for a local one (an absolute
/// path, file:///path), "file:" and the path. In both, a trailing "/" and ".git" are dropped and the comparison
/// ignores case (GitHub, Gitea and GitLab treat owner and name so). Two services on one host with different ports
/// count as one host: the path tells them apart in practice.
/// </summary>
public static class GitUrl
{
    public static string Normalise(string url)
    {
        var text = url.Trim();
        string result;
        if (text.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            result = "file:" + Uri.UnescapeDataString(text["file://".Length..]);
        }
        else if (text.StartsWith('/'))
        {
            result = "file:" + text;
        }
        else if (text.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            result = uri.Host.ToLowerInvariant() + "/" + uri.AbsolutePath.TrimStart('/');
        }
        else if (ScpLike(text) is { } scp)
        {
            result = scp;
        }
        else
        {
            result = text;
        }

        result = result.TrimEnd('/');
        if (result.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
        {
            result = result[..^4].TrimEnd('/');
        }

        return result;
    }

    public static bool Same(string a, string b) => string.Equals(Normalise(a), Normalise(b), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether a pushed ref ("refs/heads/main", "refs/tags/v1", or a bare name) is the ref a project follows ("main",
    /// "refs/heads/main", "v1"). A project without a ref follows its repository's HEAD, which a push does not name: it never matches.
    /// </summary>
    public static bool SameRef(string pushed, string? followed)
    {
        if (string.IsNullOrEmpty(followed) || followed == "HEAD")
        {
            return false;
        }

        return pushed == followed || pushed == "refs/heads/" + followed || pushed == "refs/tags/" + followed
            || followed == "refs/heads/" + pushed || followed == "refs/tags/" + pushed;
    }

    /// <summary>[user@]host:path (not a Windows drive, not a path with a slash before the colon) → host/path.</summary>
    private static string? ScpLike(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (colon <= 1 || (slash >= 0 && slash < colon))
        {
            return null;
        }

        var host = text[..colon];
        var at = host.LastIndexOf('@');
        host = at >= 0 ? host[(at + 1)..] : host;
        return host.ToLowerInvariant() + "/" + text[(colon + 1)..].TrimStart('/');
    }
}
