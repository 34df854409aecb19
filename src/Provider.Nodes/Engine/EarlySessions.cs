using System.Collections.Immutable;
using Provider.Nodes.Fleet;
using Provider.Nodes.Ssh;

namespace Provider.Nodes.Engine;

/// <summary>
/// SSH logins started before the local work of a run (the stale check, reading and hashing release sources) instead of
/// after it: the handshake is network and crypto time that overlaps that work. Each session goes to the first step that
/// takes it; a step that comes later connects on its own, as before. A failed login surfaces where the session is taken,
/// as any connection error would; sessions nobody took are closed with the run.
/// </summary>
public sealed class EarlySessions : IAsyncDisposable
{
    private readonly FleetAccess fleet;
    private readonly Dictionary<string, Task<SshNodeSession>> pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource abandon = new();
    private CancellationTokenSource? linked;

    private EarlySessions(FleetAccess fleet) => this.fleet = fleet;

    /// <summary>Starts logging in to the first <paramref name="limit"/> of <paramref name="nodes"/> (a run's parallelism).</summary>
    public static EarlySessions Start(FleetAccess fleet, IEnumerable<string> nodes, int limit, CancellationToken ct)
    {
        var early = new EarlySessions(fleet);
        var linked = early.linked = CancellationTokenSource.CreateLinkedTokenSource(ct, early.abandon.Token);
        foreach (var node in nodes.Take(Math.Max(limit, 0)))
        {
            early.pending[node] = Task.Run(() => fleet.ConnectPlannedAsync(node, linked.Token), linked.Token);
        }

        return early;
    }

    public static EarlySessions None(FleetAccess fleet) => new(fleet);

    /// <summary>The early session of the node when nobody took it yet, else a new connection. The caller owns it.</summary>
    public Task<SshNodeSession> TakeAsync(string node, CancellationToken ct)
    {
        lock (pending)
        {
            if (pending.Remove(node, out var early))
            {
                return early;
            }
        }

        return fleet.ConnectAsync(node, ct);
    }

    public async ValueTask DisposeAsync()
    {
        ImmutableArray<Task<SshNodeSession>> left;
        lock (pending)
        {
            left = [.. pending.Values];
            pending.Clear();
        }

        await abandon.CancelAsync();
        foreach (var task in left)
        {
            try
            {
                await (await task).DisposeAsync();
            }
            catch (Exception ex) when (ex is NodeConnectionException or OperationCanceledException or OperationRefusedException)
            {
                // A login nobody used: its failure belongs to no step.
            }
        }

        linked?.Dispose();
        abandon.Dispose();
    }
}
