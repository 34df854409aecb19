using System.Globalization;
using System.Text.Json;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;

namespace Provider.Nodes.Locking;

public sealed record NodeLockOwner(string User, string Host, int Pid, string Command, DateTimeOffset Started, string Token)
{
    public static NodeLockOwner ForThisProcess(string command, TimeProvider clock) => new(
        Environment.UserName, Environment.MachineName, Environment.ProcessId, command, clock.GetUtcNow(), Guid.NewGuid().ToString("N"));

    public override string ToString() =>
        $"{User}@{Host} pid {Pid.ToString(CultureInfo.InvariantCulture)} ({Command}, since {Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z)";
}

public sealed record NodeLockOptions(string Path, TimeSpan HeartbeatInterval, TimeSpan StaleAfter)
{
    public static readonly NodeLockOptions Default = new("/var/lib/hostenv/lock", TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(2));
}

public class NodeLockException(string message) : Exception(message);

public sealed class NodeLockHeldException(string node, NodeLockOwner? owner, TimeSpan heartbeatAge, bool stale)
    : NodeLockException(stale
        ? $"node '{node}' has a STALE lock from {owner?.ToString() ?? "an unknown owner"}: no heartbeat for {heartbeatAge.TotalSeconds:0} s. If that run is dead, remove it with --force-unlock."
        : $"node '{node}' is locked by {owner?.ToString() ?? "an unknown owner"} (heartbeat {heartbeatAge.TotalSeconds:0} s ago); wait for it to finish")
{
    public NodeLockOwner? Owner { get; } = owner;

    public bool Stale { get; } = stale;
}

/// <summary>
/// A deploy-type command's lock on a node: an atomic mkdir on the node holding the owner record. The
/// heartbeat is the owner file's mtime, compared with the node's own clock, so clock skew between the
/// operator and the node cannot make a live lock look stale. Release removes it only if it is still ours.
/// </summary>
public sealed class NodeLock : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly SshNodeSession session;
    private readonly NodeLockOptions options;
    private readonly CancellationTokenSource heartbeatStop = new();
    private readonly Task heartbeat;

    private NodeLock(SshNodeSession session, NodeLockOptions options, NodeLockOwner owner)
    {
        this.session = session;
        this.options = options;
        Owner = owner;
        heartbeat = Task.Run(HeartbeatLoopAsync);
    }

    public NodeLockOwner Owner { get; }

    /// <summary>Set when a heartbeat failed (e.g. the connection dropped); the holder should stop.</summary>
    public Exception? HeartbeatFailure { get; private set; }

    public static async Task<NodeLock> AcquireAsync(SshNodeSession session, NodeLockOwner owner, NodeLockOptions options, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(new { owner.User, owner.Host, owner.Pid, owner.Command, Started = owner.Started.ToString("O", CultureInfo.InvariantCulture), owner.Token });
        var r = await session.RunAsync(RemoteScripts.Command("lock-acquire.sh", options.Path, json).AsRoot(), CommandTimeout, ct);
        if (!r.Success)
        {
            throw new NodeLockException($"cannot take the lock on node '{session.Target.Node}': {r.Stderr.Trim()}");
        }

        var lines = r.Stdout.Split('\n', 3);
        if (lines[0] == "ACQUIRED")
        {
            return new NodeLock(session, options, owner);
        }

        var age = TimeSpan.FromSeconds(long.TryParse(lines.ElementAtOrDefault(1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? Math.Max(0, s) : 0);
        var holder = ParseOwner(lines.ElementAtOrDefault(2));
        if (holder is not null && holder.Host == Environment.MachineName && holder.Token.Length > 0 && !Directory.Exists("/proc/" + holder.Pid.ToString(CultureInfo.InvariantCulture)))
        {
            // Held by a run of this machine whose process is gone (killed, crashed): provably dead, so take it over.
            // The removal names the dead holder's token: a lock that changed hands meanwhile is left alone.
            var removed = await session.RunAsync(RemoteScripts.Command("lock-release.sh", options.Path, holder.Token).AsRoot(), CommandTimeout, ct);
            if (removed.Success)
            {
                var taken = await AcquireAsync(session, owner, options, ct);
                taken.TookOverFrom = holder;
                return taken;
            }
        }

        throw new NodeLockHeldException(session.Target.Node, holder, age, age > options.StaleAfter);
    }

    /// <summary>The dead holder (same machine, process gone) whose lock this one replaced, if any.</summary>
    public NodeLockOwner? TookOverFrom { get; private set; }

    /// <summary>Removes whatever lock is on the node (the operator asked with --force-unlock). Returns the owner it removed.</summary>
    public static async Task<NodeLockOwner?> ForceUnlockAsync(SshNodeSession session, NodeLockOptions options, CancellationToken ct)
    {
        var r = await session.RunAsync(
            RemoteCommand.Shell("d=\"$1\"; cat \"$d/owner.json\" 2>/dev/null; rm -rf -- \"$d\"", options.Path).AsRoot(), CommandTimeout, ct);
        return r.Success ? ParseOwner(r.Stdout) : throw new NodeLockException($"cannot remove the lock on node '{session.Target.Node}': {r.Stderr.Trim()}");
    }

    private static NodeLockOwner? ParseOwner(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            var o = doc.RootElement;
            return new NodeLockOwner(
                o.GetProperty("User").GetString() ?? "?", o.GetProperty("Host").GetString() ?? "?", o.GetProperty("Pid").GetInt32(),
                o.GetProperty("Command").GetString() ?? "?", DateTimeOffset.Parse(o.GetProperty("Started").GetString() ?? "", CultureInfo.InvariantCulture),
                o.TryGetProperty("Token", out var token) ? token.GetString() ?? "" : "");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        try
        {
            while (!heartbeatStop.IsCancellationRequested)
            {
                await Task.Delay(options.HeartbeatInterval, heartbeatStop.Token);
                var r = await session.RunAsync(RemoteCommand.Shell("touch -c \"$1/owner.json\"", options.Path).AsRoot(), CommandTimeout, heartbeatStop.Token);
                if (!r.Success)
                {
                    HeartbeatFailure = new NodeLockException($"heartbeat on node '{session.Target.Node}' failed: {r.Stderr.Trim()}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (NodeConnectionException ex)
        {
            HeartbeatFailure = ex;
        }
    }

    /// <summary>Stops the heartbeat and removes the lock if it is still ours (also on Ctrl+C, via dispose).</summary>
    public async ValueTask DisposeAsync()
    {
        await heartbeatStop.CancelAsync();
        await heartbeat;
        heartbeatStop.Dispose();
        try
        {
            await session.RunAsync(RemoteScripts.Command("lock-release.sh", options.Path, Owner.Token).AsRoot(), CommandTimeout, CancellationToken.None);
        }
        catch (NodeConnectionException)
        {
            // The connection is gone; the lock goes stale and is reported as such to the next run.
        }
    }
}
