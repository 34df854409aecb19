using System.Security.Cryptography;
using System.Text;

namespace Provider.Monitor.Storage;

/// <summary>Where the monitor keeps its database when --db is not given: one file per provider repo, so `logs` finds what `serve` collected.</summary>
public static class MonitorDatabase
{
    /// <summary>$XDG_STATE_HOME (or ~/.local/state)/hostenv-provider/monitor-&lt;12 hex of the repo's full path&gt;.db</summary>
    public static string DefaultPath(string repoDir)
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        var full = Path.GetFullPath(repoDir).TrimEnd('/');
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..12];
        return Path.Combine(state, "hostenv-provider", $"monitor-{id}.db");
    }
}
