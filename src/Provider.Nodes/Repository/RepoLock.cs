using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Provider.Nodes.Repository;

public sealed record RepoLockOwner(int Pid, string Host, string Command, DateTimeOffset Started)
{
    public override string ToString() =>
        $"pid {Pid.ToString(CultureInfo.InvariantCulture)} on {Host} ({Command}, since {Started.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z)";
}

public sealed class RepoLockedException(RepoLockOwner owner)
    : Exception($"the provider repo is locked by {owner}; wait for it to finish")
{
    public RepoLockOwner Owner { get; } = owner;
}

/// <summary>
/// Serialises commands that write to the provider repo. Uses a POSIX record lock (fcntl via
/// FileStream.Lock): the kernel drops it when the holder dies, so a lock left by a crashed run is taken
/// over safely, and the file still names who held it last. The file lives outside the repo (keyed by
/// the repo's full path) so a failed run leaves the repo byte-identical; it is never deleted, because
/// unlinking a lock file lets a late opener lock an orphaned inode.
/// </summary>
public sealed class RepoLock : IDisposable
{
    public static string PathFor(string repoRoot)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(repoRoot))))[..16];
        return Path.Combine(Path.GetTempPath(), "hostenv-provider-locks", key + ".lock");
    }
    private readonly FileStream stream;

    private RepoLock(FileStream stream, RepoLockOwner? previous)
    {
        this.stream = stream;
        TakenOverFrom = previous;
    }

    /// <summary>The owner recorded by a holder that died without releasing, if any.</summary>
    public RepoLockOwner? TakenOverFrom { get; }

    public static RepoLock Acquire(string repoRoot, string command, TimeProvider clock)
    {
        var path = PathFor(repoRoot);
        Directory.CreateDirectory(Path.GetDirectoryName(path) ?? ".");
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            stream.Lock(0, 1);
        }
        catch (IOException)
        {
            var holder = ReadOwner(stream) ?? new RepoLockOwner(0, "unknown", "unknown", DateTimeOffset.UnixEpoch);
            stream.Dispose();
            throw new RepoLockedException(holder);
        }

        var previous = ReadOwner(stream);
        var me = new RepoLockOwner(Environment.ProcessId, Environment.MachineName, command, clock.GetUtcNow());
        stream.SetLength(0);
        stream.Write(JsonSerializer.SerializeToUtf8Bytes(new { me.Pid, me.Host, me.Command, Started = me.Started.ToString("O", CultureInfo.InvariantCulture) }));
        stream.Flush(flushToDisk: true);
        return new RepoLock(stream, previous);
    }

    private static RepoLockOwner? ReadOwner(FileStream stream)
    {
        try
        {
            stream.Position = 0;
            var buffer = new byte[4096];
            var n = stream.Read(buffer);
            if (n == 0)
            {
                return null;
            }

            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, n));
            var r = doc.RootElement;
            return new RepoLockOwner(
                r.GetProperty("Pid").GetInt32(), r.GetProperty("Host").GetString() ?? "", r.GetProperty("Command").GetString() ?? "",
                DateTimeOffset.Parse(r.GetProperty("Started").GetString() ?? "", CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        // Clear the owner before unlocking so a later reader does not mistake a clean exit for a crash.
        stream.SetLength(0);
        stream.Unlock(0, 1);
        stream.Dispose();
    }
}
