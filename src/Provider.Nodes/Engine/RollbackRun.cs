using Provider.Nodes.Apply;
using Provider.Nodes.Fleet;
using Provider.Nodes.Locking;

namespace Provider.Nodes.Engine;

/// <summary>How a rollback ended: nothing to do, declined at the question, or carried out (the stage result says how).</summary>
public enum RollbackOutcome
{
    NothingToDo,
    Declined,
    Applied,
}

public sealed record EnvironmentRollbackResult(RollbackOutcome Outcome, string Node, string Environment, EnvironmentResult? Result)
{
    /// <summary>For every front end: 1 declined or failed, 0 otherwise (nothing to do included).</summary>
    public int ExitCode => Outcome == RollbackOutcome.Declined || Result?.Outcome is EnvironmentOutcome.Failed ? 1 : 0;
}

public sealed record NodeRollbackResult(RollbackOutcome Outcome, string Node, SystemStageResult? Result)
{
    /// <summary>For every front end: 0 switched, up to date or nothing to do; 3 the watchdog rolled the node back; 1 otherwise.</summary>
    public int ExitCode => Outcome == RollbackOutcome.Declined ? 1 : Result?.Outcome switch
    {
        null or SystemOutcome.Activated or SystemOutcome.UpToDate => 0,
        SystemOutcome.RolledBack => 3,
        _ => 1,
    };
}

/// <summary>
/// `rollback`, whichever front end asks: an environment to a kept release (zero-downtime, as a deploy) or a node to a
/// kept generation (nginx -t, users, watchdog, confirmation). Each shows what it would do through the progress callback,
/// asks through <c>confirm</c> when given, and then decides again under the node's lock: whatever moved since is left alone.
/// </summary>
public sealed class RollbackRun(FleetAccess fleet, Action<string> progress, TimeProvider clock)
{
    public async Task<EnvironmentRollbackResult> EnvironmentAsync(string env, string? to, bool forceUnlock, Func<CancellationToken, Task<bool>>? confirm, CancellationToken ct)
    {
        var (user, node, spec) = fleet.Placed(env);
        await using var session = await fleet.ConnectAsync(node, ct);
        RollbackTarget target;
        try
        {
            target = await EnvironmentStage.ResolveRollbackAsync(session, user, to, ct);
        }
        catch (DeployStepException ex)
        {
            throw new OperationRefusedException($"{node}/{user}: {ex.Message}");
        }

        if (target.Release == target.Current)
        {
            progress($"{node}/{user}: release {target.Release} is already current: nothing to do");
            return new EnvironmentRollbackResult(RollbackOutcome.NothingToDo, node, user, null);
        }

        progress($"{node}:\n  ~ {user}: release {target.Current ?? "none"} -> {target.Release} (rev {GenerationHistory.Short(target.Rev)}; started beside the live one, health-checked, then switched)");
        if (confirm is not null && !await confirm(ct))
        {
            progress("Nothing was changed.");
            return new EnvironmentRollbackResult(RollbackOutcome.Declined, node, user, null);
        }

        await using var nodeLock = await NodeLocking.TakeAsync(session, "rollback --env", forceUnlock, progress, ct);
        var stage = new EnvironmentStage(progress, clock);
        try
        {
            // The node decides again under its lock; whatever moved since the preview stops the rollback.
            return new EnvironmentRollbackResult(RollbackOutcome.Applied, node, user, await stage.RollbackAsync(session, spec, to, ct, previewed: target));
        }
        catch (DeployStepException ex)
        {
            throw new OperationRefusedException($"{node}/{user}: {ex.Message}");
        }
    }

    public async Task<NodeRollbackResult> NodeAsync(string node, string? to, bool forceUnlock, Func<CancellationToken, Task<bool>>? confirm, CancellationToken ct)
    {
        var config = fleet.Config(node);
        await using var session = await fleet.ConnectAsync(node, ct);
        var history = await GenerationHistory.ReadAsync(session, ct);
        GenerationInfo target;
        try
        {
            target = history.ResolveTarget(to);
        }
        catch (GenerationNotFoundException ex)
        {
            throw new OperationRefusedException($"{node}: {ex.Message}");
        }

        if (target.IsCurrent)
        {
            progress($"{node}: generation {target.Number} ({GenerationHistory.Short(target.Id)}) is already current: nothing to do");
            return new NodeRollbackResult(RollbackOutcome.NothingToDo, node, null);
        }

        var from = history.Generations.FirstOrDefault(g => g.IsCurrent);
        progress($"{node}:\n  would switch generation {(from is null ? "none" : $"{from.Number} ({GenerationHistory.Short(from.Id)})")} -> " +
            $"{target.Number} ({GenerationHistory.Short(target.Id)}, {(target.RolledBack ? "rolled back before" : target.Confirmed ? "confirmed before" : "never confirmed")}); nginx -t, users, watchdog and confirmation as in a deploy");
        if (confirm is not null && !await confirm(ct))
        {
            progress("Nothing was changed.");
            return new NodeRollbackResult(RollbackOutcome.Declined, node, null);
        }

        await using var nodeLock = await NodeLocking.TakeAsync(session, "rollback", forceUnlock, progress, ct);
        progress($"{node}: rolling back to generation {target.Number} ({GenerationHistory.Short(target.Id)})");
        var generation = await SystemStage.FromNodeAsync(session, node, target.Id, ct);
        var stage = new SystemStage(c => fleet.ConnectAsync(node, c), TimeSpan.FromSeconds(config.ConfirmTimeoutSeconds), config.MagicRollback, progress);
        // Under the lock the stage reads `current` again: a node that moved since it was read above is left alone.
        return new NodeRollbackResult(RollbackOutcome.Applied, node, await stage.ApplyAsync(session, generation, ct, reason: "rollback", expectedCurrent: history.Current ?? ""));
    }
}
