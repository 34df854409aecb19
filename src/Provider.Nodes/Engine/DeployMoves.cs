using System.Collections.Concurrent;
using System.Collections.Immutable;
using Provider.Nodes.Apply;
using Provider.Nodes.Fleet;
using Provider.Nodes.Locking;
using Provider.Nodes.Move;
using Provider.Nodes.Ssh;
using Provider.Planning.Plan;

namespace Provider.Nodes.Engine;

/// <summary>One environment the plan moves within a deploy: from its previous node to the node that deploys it.</summary>
public sealed record PlannedMove(string User, string From, string To);

/// <summary>
/// The moves of one deploy (DESIGN §12) and their order. A move runs in the new node's environment stage (first copy
/// before the release starts, final copy just before it, retirement of the old copy after it serves). The old node's
/// system stage drops the environment's units and vhost, so it waits until every move away from it has ended, and is
/// not applied at all while the old node still holds an environment whose move failed or did not run: that node keeps
/// serving it. Nodes are deployed new-before-old, so even one deploy at a time never waits on a node not yet started.
/// </summary>
public sealed class DeployMoves
{
    private readonly FleetAccess fleet;
    private readonly DeployRequest request;
    private readonly Action<string> progress;
    private readonly TimeProvider clock;
    private readonly DeployJournal? journal;
    private readonly ImmutableArray<string> selectedNodes;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> ended = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ActiveMove> active = new(StringComparer.Ordinal);

    public DeployMoves(FleetAccess fleet, DeployRequest request, Action<string> progress, TimeProvider clock, DeployJournal? journal,
        ImmutableArray<string> selectedNodes, ImmutableArray<PlannedMove> planned)
    {
        this.fleet = fleet;
        this.request = request;
        this.progress = progress;
        this.clock = clock;
        this.journal = journal;
        this.selectedNodes = selectedNodes;
        Planned = planned;
        foreach (var move in planned)
        {
            ended[move.User] = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public ImmutableArray<PlannedMove> Planned { get; }

    /// <summary>How long each moved environment was unavailable (stop on the old node to traffic on the new one).</summary>
    public ConcurrentDictionary<string, TimeSpan> Windows { get; } = new(StringComparer.Ordinal);

    /// <summary>Environments of the selection whose plan names another previous node that is still in the plan (and that ship a release).</summary>
    public static ImmutableArray<PlannedMove> For(FleetPlan plan, DeploySelection selection) =>
        [.. selection.Nodes.SelectMany(n => selection.EnvironmentsOf(n).Select(e => plan.Environments[e]))
            .Select(e => (Env: e, From: e.PreviousNode ?? e.Node))
            .Where(m => m.Env.Enable && m.Env.App?.ShipsRelease == true && m.From != m.Env.Node && plan.Nodes.ContainsKey(m.From))
            .Select(m => new PlannedMove(m.Env.UserName, m.From, m.Env.Node))
            .OrderBy(m => m.User, StringComparer.Ordinal)];

    public bool IsPlanned(string user) => ended.ContainsKey(user);

    /// <summary>
    /// The selected nodes with every move's new node before its old one. Moves in both directions between nodes (a
    /// cycle) cannot be ordered: each old node must keep serving until the other has finished.
    /// </summary>
    public static ImmutableArray<string> Order(ImmutableArray<string> nodes, ImmutableArray<PlannedMove> moves)
    {
        var after = moves.Where(m => nodes.Contains(m.From)).GroupBy(m => m.From, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(m => m.To).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var ordered = new List<string>();
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string node)
        {
            if (ordered.Contains(node))
            {
                return;
            }

            if (!visiting.Add(node))
            {
                throw new OperationRefusedException($"environments move both to and from {node} in this plan ({string.Join(", ", moves.Select(m => $"{m.User}: {m.From} -> {m.To}"))}); " +
                    "each old node must serve until the other is done: deploy one direction first (`hostenv-provider deploy --env ENV`), then the rest");
            }

            foreach (var first in after.GetValueOrDefault(node, []).Order(StringComparer.Ordinal))
            {
                Visit(first);
            }

            visiting.Remove(node);
            ordered.Add(node);
        }

        foreach (var node in nodes)
        {
            Visit(node);
        }

        return [.. ordered.Where(nodes.Contains)];
    }

    /// <summary>
    /// Before <paramref name="node"/>'s system stage: which environments moving away from it it still holds; waits for
    /// their moves in this run, and refuses the stage (the node keeps serving them) when one did not finish.
    /// </summary>
    public async Task BeforeSystemStageAsync(SshNodeSession session, string node, CancellationToken ct)
    {
        var away = fleet.Plan.Environments.Values.Where(e => e.PreviousNode == node && e.Node != node && e.Enable && e.App?.ShipsRelease == true).ToList();
        var held = new List<EnvironmentPlan>();
        foreach (var env in away)
        {
            if ((await EnvironmentMove.ProbeAsync(session, env.UserName, ct)).Holds)
            {
                held.Add(env);
            }
        }

        var blocked = new List<string>();
        foreach (var env in held)
        {
            if (!ended.TryGetValue(env.UserName, out var done))
            {
                blocked.Add($"{env.UserName} (the plan moves it to {env.Node}, which this deploy does not include: deploy {env.Node} first, e.g. `hostenv-provider deploy --node {env.Node}`)");
                continue;
            }

            progress($"{node}: waiting for {env.UserName} to serve on {env.Node} before its units and vhost leave this node");
            if (await done.Task.WaitAsync(ct) is { } why)
            {
                blocked.Add($"{env.UserName} (its move to {env.Node} did not finish: {why})");
            }
        }

        if (blocked.Count > 0)
        {
            throw new OperationRefusedException($"system stage not applied: this node still serves {string.Join("; ", blocked)}; it keeps serving until the move is done");
        }
    }

    /// <summary>Starts a planned move into <paramref name="target"/>'s node: probes the old node and, while it serves, copies the data a first time.</summary>
    public async Task<string?> BeginAsync(SshNodeSession target, EnvironmentPlan env, CancellationToken ct)
    {
        if (!ended.ContainsKey(env.UserName) || Planned.FirstOrDefault(m => m.User == env.UserName)?.From is not { } from)
        {
            return null;
        }

        SshNodeSession? source = null;
        NodeLock? sourceLock = null;
        try
        {
            source = await fleet.ConnectAsync(from, ct);
            var probe = await EnvironmentMove.ProbeAsync(source, env.UserName, ct);
            if (!probe.Holds)
            {
                End(env.UserName, null);
                await source.DisposeAsync();
                return null; // moved before (or never deployed there): a normal deploy
            }

            // The old node's own task holds its lock in this run; otherwise the move takes it.
            sourceLock = selectedNodes.Contains(from) ? null : await NodeLocking.TakeAsync(source, "deploy (move)", request.ForceUnlock, progress, ct);
            var move = new EnvironmentMove(env, source, target, progress, clock);
            var entry = new ActiveMove(move, source, sourceLock, StoppedBefore: !probe.StoppedUnits.IsEmpty);
            active[env.UserName] = entry;
            progress($"{target.Target.Node}/{env.UserName}: moves here from {from} with its data ({string.Join(", ", move.Paths.Select(p => "~/" + p))})");
            Journal(move, "move-start");
            await move.BulkAsync(alreadyStopped: !probe.StoppedUnits.IsEmpty, ct);
            Journal(move, "move-bulk");
            return null;
        }
        catch (Exception ex) when (ex is MoveException or NodeConnectionException or NodeLockException)
        {
            var message = $"moving its data from {from} failed: {ex.Message}";
            if (active.TryGetValue(env.UserName, out var entry))
            {
                Journal(entry.Move, "move-failed");
                message += "; " + await entry.Move.RestartOldAsync(ct); // an interrupted move may have stopped it
                await ReleaseAsync(env.UserName);
            }
            else if (source is not null)
            {
                await source.DisposeAsync();
            }

            End(env.UserName, message);
            return message;
        }
    }

    /// <summary>The environment stage's last step before the release starts on the new node: stop on the old node, final copy, verify, install.</summary>
    public async Task<string?> BeforeActivateAsync(string user, CancellationToken ct)
    {
        if (!active.TryGetValue(user, out var entry))
        {
            return null;
        }

        try
        {
            await entry.Move.FinalAsync(step => Journal(entry.Move, step), ct);
            return null;
        }
        catch (Exception ex) when (ex is MoveException or NodeConnectionException)
        {
            return $"moving the data from {entry.Move.From} failed: {ex.Message}";
        }
    }

    /// <summary>The traffic switch on the new node: the end of the unavailability window.</summary>
    public void Switched(string user)
    {
        if (active.TryGetValue(user, out var entry) && entry.Move.StoppedAt is { } stopped)
        {
            Windows[user] = clock.GetElapsedTime(stopped);
        }
    }

    /// <summary>After the environment stage: retire the old copy when the new node serves, else start the old one again.</summary>
    public async Task<string?> EndAsync(EnvironmentResult result, CancellationToken ct)
    {
        if (!active.TryGetValue(result.Environment, out var entry))
        {
            return null;
        }

        var move = entry.Move;
        try
        {
            if (result.Outcome == EnvironmentOutcome.Failed && !(result.Error?.StartsWith("postDeploy", StringComparison.Ordinal) ?? false))
            {
                var restarted = await move.RestartOldAsync(ct);
                var window = move.StoppedAt is { } s ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" (it was unavailable for {clock.GetElapsedTime(s).TotalSeconds:0.0} s)") : "";
                progress($"{move.To}/{move.User}: the move failed; {restarted}{window}");
                Fail(move, $"{result.Error?.Split('\n')[0]}; {restarted}");
                return $"the move from {move.From} failed and {restarted}";
            }

            if (Windows.TryGetValue(move.User, out var w))
            {
                progress(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{move.To}/{move.User}: moved from {move.From}; unavailable for {w.TotalSeconds:0.0} s (stopped on {move.From} until traffic switched on {move.To})"));
                await move.RecordHistoryAsync(result.Release ?? "", result.Rev ?? "", w, ct);
            }

            // Serving on the new node without any final copy (deployed there before, not by a move): its data there was not
            // replaced, so the old copy is only stopped and kept, never removed.
            var untouched = move.StoppedAt is null && !entry.StoppedBefore;
            if (untouched)
            {
                progress($"{move.To}/{move.User}: it already served here before this move, so its data here was not replaced; the copy on {move.From} is stopped and kept (remove it yourself once you have checked it)");
            }

            await move.RetireAsync(request.KeepOld || untouched, ct);
            if (!selectedNodes.Contains(move.From))
            {
                progress($"{move.From}: its units and vhost for {move.User} go with its next system stage: `hostenv-provider deploy --node {move.From}`");
            }

            Journal(move, "moved");
            End(move.User, null);
            return null;
        }
        catch (Exception ex) when (ex is MoveException or NodeConnectionException)
        {
            Fail(move, ex.Message);
            return ex.Message;
        }
        finally
        {
            await ReleaseAsync(move.User);
        }
    }

    /// <summary>Every move into <paramref name="node"/> that its deploy did not reach ends as failed (its old node keeps serving).</summary>
    public async Task AbandonAsync(string node, string why)
    {
        foreach (var move in Planned.Where(m => m.To == node))
        {
            if (active.TryGetValue(move.User, out var entry))
            {
                progress($"{node}/{move.User}: the move did not finish; {await entry.Move.RestartOldAsync(CancellationToken.None)}");
                await ReleaseAsync(move.User);
            }

            End(move.User, $"{node}'s deploy did not get to it ({why})");
        }
    }

    private void Fail(EnvironmentMove move, string why)
    {
        Journal(move, "move-failed");
        End(move.User, why);
    }

    private void End(string user, string? failure)
    {
        if (ended.TryGetValue(user, out var done))
        {
            done.TrySetResult(failure);
        }
    }

    private async Task ReleaseAsync(string user)
    {
        if (active.TryRemove(user, out var entry))
        {
            if (entry.Lock is not null)
            {
                await entry.Lock.DisposeAsync();
            }

            await entry.Source.DisposeAsync();
        }
    }

    /// <summary>The move's steps go to the local journal under the old node (where `kill@move-…` faults find them).</summary>
    private void Journal(EnvironmentMove move, string step) => journal?.Record(move.From, move.User, step, move.To);

    private sealed record ActiveMove(EnvironmentMove Move, SshNodeSession Source, NodeLock? Lock, bool StoppedBefore);
}
