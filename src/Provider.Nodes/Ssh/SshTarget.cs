namespace Provider.Nodes.Ssh;

/// <summary>Where and as whom to connect, with the pinned host key (null only for `node add`'s probe).</summary>
public sealed record SshTarget(string Node, string Host, int Port, string User, string? HostKey)
{
    public override string ToString() => $"{User}@{Host}:{Port} ({Node})";
}

/// <summary>The client key: --identity, else $HOSTENV_SSH_KEY, else ~/.ssh/id_ed25519, else ~/.ssh/id_rsa (as ssh does).</summary>
public static class SshKeyLocator
{
    public static string Locate(string? explicitPath, Func<string, string?> getEnv, string home, Func<string, bool> exists)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return exists(explicitPath) ? explicitPath : throw new NodeConnectionException($"SSH key {explicitPath} (from --identity) does not exist");
        }

        var fromEnv = getEnv("HOSTENV_SSH_KEY");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return exists(fromEnv) ? fromEnv : throw new NodeConnectionException($"SSH key {fromEnv} (from HOSTENV_SSH_KEY) does not exist");
        }

        foreach (var name in new[] { "id_ed25519", "id_rsa" })
        {
            var path = Path.Combine(home, ".ssh", name);
            if (exists(path))
            {
                return path;
            }
        }

        throw new NodeConnectionException("no SSH key found: pass --identity FILE, set HOSTENV_SSH_KEY, or create ~/.ssh/id_ed25519");
    }

    public static string Locate(string? explicitPath) =>
        Locate(explicitPath, Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), File.Exists);
}
