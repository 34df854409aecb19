using System.Collections.Immutable;
using Provider.Monitor.Storage;
using Provider.Nodes.Fleet;

namespace Provider.Monitor.Collection;

/// <summary>
/// `logs` without a monitor database: the same collect script, straight from the nodes, filtered here. Cursors live in
/// memory, so --follow brings each new line once; the first read starts with the newest lines that fit the budget.
/// </summary>
public sealed class LiveLogs(FleetAccess fleet, long budgetBytes)
{
    private readonly Dictionary<string, ImmutableSortedDictionary<string, string>> cursors = new(StringComparer.Ordinal);

    /// <summary>The new lines of the nodes matching the query (oldest first per node, nodes in name order) and the nodes that could not be read.</summary>
    public async Task<(ImmutableArray<LogLine> Lines, ImmutableSortedDictionary<string, string> Unreachable)> ReadAsync(LogQuery query, DateTimeOffset journalSince, CancellationToken ct)
    {
        var nodes = fleet.Nodes.Where(n => query.Node is null || n == query.Node).ToList();
        var cycles = await Task.WhenAll(nodes.Select(n => NodeCollection.RunAsync(fleet, CollectTarget.From(fleet.Plan, n),
            cursors.GetValueOrDefault(n, ImmutableSortedDictionary<string, string>.Empty), budgetBytes, journalSince, ct)));
        var unreachable = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (cycle, _) in cycles)
        {
            cursors[cycle.Snapshot.Node] = cycle.Cursors;
            if (!cycle.Snapshot.Reachable)
            {
                unreachable[cycle.Snapshot.Node] = cycle.Snapshot.Error ?? "unreachable";
            }
        }

        return ([.. cycles.SelectMany(c => c.Cycle.Lines).Where(l => Matches(query, l))], unreachable.ToImmutable());
    }

    /// <summary>The query's filters applied to one line (text: every word occurs, ignoring case), as the database applies them.</summary>
    public static bool Matches(LogQuery q, LogLine l) =>
        (q.Node is null || l.Node == q.Node)
        && (q.Environment is null || l.Environment == q.Environment)
        && (q.Source is null || (q.Source.EndsWith(':') ? l.Source.StartsWith(q.Source, StringComparison.Ordinal) : l.Source == q.Source))
        && (q.MaxLevel is null || l.Level <= q.MaxLevel)
        && (q.Since is null || l.Time >= q.Since)
        && (q.Until is null || l.Time <= q.Until)
        && (string.IsNullOrWhiteSpace(q.Text) || q.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).All(w => l.Message.Contains(w, StringComparison.OrdinalIgnoreCase)));
}
