using System.Collections.Immutable;
using System.Diagnostics;
using Provider.Monitor.Service;
using Provider.Monitor.Storage;
using Provider.Nodes.Fleet;
using Provider.Nodes.Ssh;

namespace Provider.Monitor.Collection;

/// <summary>How the collector runs: the cycle interval, the log bytes a node may send per cycle, how far back a new journal starts.</summary>
public sealed record CollectorOptions(TimeSpan Interval, long MaxLogBytesPerNode, TimeSpan JournalBackfill, RetentionPolicy Retention)
{
    public static CollectorOptions Default { get; } = new(TimeSpan.FromSeconds(30), 4 * 1024 * 1024, TimeSpan.FromHours(24), RetentionPolicy.Default);
}

/// <summary>What one node's cycle did (for logs and benchmarks).</summary>
public sealed record CycleReport(string Node, bool Reachable, int Lines, long OutputBytes, TimeSpan Elapsed, string? Error);

/// <summary>
/// Agentless collection: per node and cycle, one fresh SSH login (pinned host key; "reachable" means a deploy could log in now)
/// running one script that returns the node's state and its new log lines since the stored cursors. Nodes run in parallel;
/// an unreachable node is stored as such and the others go on. Lines and cursors commit together (<see cref="NodeCycle"/>).
/// </summary>
public sealed class FleetCollector(string repoDir, string? identity, IMonitorStore store, CycleSignal signal, CollectorOptions options, Action<string>? log = null)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> reachability = new(StringComparer.Ordinal);

    /// <summary>Collects until cancelled: a cycle every Interval (measured start to start), retention once an hour.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var lastRetention = DateTimeOffset.MinValue;
        while (!ct.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await CollectOnceAsync(ct);
                if (DateTimeOffset.UtcNow - lastRetention > TimeSpan.FromHours(1))
                {
                    var removed = await store.ApplyRetentionAsync(options.Retention, ct);
                    lastRetention = DateTimeOffset.UtcNow;
                    if (removed > 0)
                    {
                        log?.Invoke($"retention removed {removed} log lines");
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Provider.Nodes.Engine.OperationRefusedException or IOException)
            {
                log?.Invoke($"cycle skipped: {ex.Message}");
            }

            var wait = options.Interval - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One cycle over every node of the current plan (read afresh: a re-plan or a new node shows up next cycle).</summary>
    public async Task<ImmutableArray<CycleReport>> CollectOnceAsync(CancellationToken ct, string? onlyNode = null)
    {
        var fleet = new FleetAccess(repoDir, identity);
        var nodes = fleet.Nodes.Where(n => onlyNode is null || n == onlyNode).ToList();
        var reports = new CycleReport[nodes.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, nodes.Count), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct }, async (i, token) =>
        {
            reports[i] = await CollectNodeAsync(fleet, CollectTarget.From(fleet.Plan, nodes[i]), token);
            signal.Publish(nodes[i]);
        });
        return [.. reports];
    }

    private async Task<CycleReport> CollectNodeAsync(FleetAccess fleet, CollectTarget target, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var cursors = await store.GetCursorsAsync(target.Node, ct);
        var (cycle, bytes) = await NodeCollection.RunAsync(fleet, target, cursors, options.MaxLogBytesPerNode, DateTimeOffset.UtcNow - options.JournalBackfill, ct);
        await store.RecordCycleAsync(cycle, ct);
        var report = new CycleReport(target.Node, cycle.Snapshot.Reachable, cycle.Lines.Length, bytes, Stopwatch.GetElapsedTime(started), cycle.Snapshot.Error);
        // A line when a node is first seen or changes between reachable and unreachable, not every cycle.
        if (reachability.TryGetValue(target.Node, out var was) != true || was != report.Reachable)
        {
            reachability[target.Node] = report.Reachable;
            log?.Invoke(report.Reachable
                ? $"{target.Node}: reachable, collected in {report.Elapsed.TotalMilliseconds:0} ms ({report.Lines} log lines)"
                : $"{target.Node}: unreachable: {report.Error}");
        }

        return report;
    }
}
