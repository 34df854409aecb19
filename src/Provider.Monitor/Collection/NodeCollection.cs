using System.Collections.Immutable;
using Provider.Monitor.Storage;
using Provider.Nodes.Fleet;
using Provider.Nodes.Ssh;

namespace Provider.Monitor.Collection;

/// <summary>One node's cycle over SSH: a fresh login, the collect script with the cursors, its output parsed.</summary>
public static class NodeCollection
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The node's cycle and the bytes its output had. A node that cannot be reached, or whose output is cut off, gives an
    /// unreachable snapshot with the error, no lines and the cursors unchanged: nothing of a failed cycle is kept but the fact.
    /// </summary>
    public static async Task<(NodeCycle Cycle, long OutputBytes)> RunAsync(FleetAccess fleet, CollectTarget target, ImmutableSortedDictionary<string, string> cursors,
        long budgetBytes, DateTimeOffset journalSince, CancellationToken ct)
    {
        try
        {
            var now = DateTimeOffset.UtcNow;
            await using var session = await fleet.ConnectAsync(target.Node, ct);
            var r = await session.RunAsync(RemoteCommand.Exec("bash", "-c", CollectScript.Text, "collect").AsRoot(), CommandTimeout,
                target.Request(cursors, budgetBytes, journalSince), ct);
            if (!r.Success)
            {
                throw new CollectOutputException($"node '{target.Node}': the collect script exited {r.ExitCode}: {r.Stderr.Trim()}");
            }

            return (CollectOutput.Parse(target, r.Stdout, cursors, now), r.Stdout.Length);
        }
        catch (Exception ex) when (ex is NodeConnectionException or CollectOutputException or Renci.SshNet.Common.SshException or IOException or System.Text.Json.JsonException)
        {
            // The planned environments stay listed, with health unknown: a dashboard must not make them vanish with their node.
            var unknown = target.Environments.Select(e => new EnvironmentSnapshot(e.UserName, e.Kind, null, null, null, null, null, Health.Unknown, null, null));
            return (new NodeCycle(NodeSnapshot.Unreachable(target.Node, DateTimeOffset.UtcNow, ex.Message) with { Environments = [.. unknown] }, [], [], cursors), 0);
        }
    }
}
