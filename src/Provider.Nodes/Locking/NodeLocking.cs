using Provider.Nodes.Ssh;

namespace Provider.Nodes.Locking;

/// <summary>
/// Takes a node's lock for a command that changes the node: `--force-unlock` first when asked, then the lock,
/// reporting a lock it removed and a dead holder's lock it took over (the node lock, as RepoLocking is the repo's).
/// </summary>
public static class NodeLocking
{
    public static async Task<NodeLock> TakeAsync(SshNodeSession session, string command, bool forceUnlock, Action<string> report, CancellationToken ct)
    {
        var node = session.Target.Node;
        if (forceUnlock && await NodeLock.ForceUnlockAsync(session, NodeLockOptions.Default, ct) is { } removed)
        {
            report($"{node}: removed the lock held by {removed}");
        }

        var taken = await NodeLock.AcquireAsync(session, NodeLockOwner.ForThisProcess(command, Apply.FaultInjection.Clock(TimeProvider.System)), NodeLockOptions.Default, ct);
        if (taken.TookOverFrom is { } dead)
        {
            report($"{node}: took over the lock of {dead} (that process no longer exists on this machine)");
        }

        return taken;
    }
}
