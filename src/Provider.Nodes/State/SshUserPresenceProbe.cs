using Provider.Nodes.Fleet;
using Provider.Nodes.Ssh;
using Provider.Planning.Model;

namespace Provider.Nodes.State;

/// <summary>Asks the node with `getent passwd` (exit 2 means no such user).</summary>
public sealed class SshUserPresenceProbe(string keyPath, string deployUser) : IUserPresenceProbe
{
    public async Task<UserPresence> CheckAsync(NodeConfig node, string userName, CancellationToken ct)
    {
        await using var session = await SshNodeSession.ConnectAsync(NodeInventory.Target(node, deployUser), keyPath, ct);
        var r = await session.RunAsync(RemoteCommand.Exec("getent", "passwd", userName), TimeSpan.FromSeconds(30), ct);
        return r.ExitCode switch
        {
            0 => UserPresence.Present,
            2 => UserPresence.Absent,
            _ => throw new NodeConnectionException($"cannot tell whether user {userName} exists on node '{node.Name}': getent exited {r.ExitCode}: {r.Stderr.Trim()}"),
        };
    }
}
