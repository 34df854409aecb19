using System.Collections.Concurrent;
using System.Collections.Immutable;
using Provider.Nodes.Apply;
using Provider.Nodes.Diagnostics;
using Provider.Nodes.Fleet;
using Provider.Nodes.Locking;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Gate;
using Provider.Planning.Plan;
using Provider.Planning.Planner;
using Provider.Planning.Render;

namespace Provider.Nodes.Engine;

/// <summary>
/// One deploy (DESIGN §7), whichever front end asked for it: selection, the stale-plan and gate checks, release
/// loading, the preview and its confirmation, then per node under its lock the system stage and the environments,
/// journaled for --resume. Progress goes out as the lines a person reads; the outcome comes back as data.
/// </summary>
public sealed class DeployRun(FleetAccess fleet, Action<string> progress, TimeProvider clock)
{
    /// <summary>
    /// Runs the deploy. <paramref name="confirm"/> is asked after the preview when it is given (null: deploy without
    /// asking); a run whose preview shows no change asks nothing.
    /// </summary>
    public async Task<DeployResult> RunAsync(DeployRequest request, Func<CancellationToken, Task<bool>>? confirm, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var plan = fleet.Plan;
        Timeline.Mark("deploy: start (plan read)");
        // Logins start now and overlap the local work of the selection (stale check, hashing sources).
        await using var early = EarlySessions.Start(fleet, DeploySelection.NodesFor(fleet, request), request.Parallel, ct);
        var selection = await DeploySelection.PrepareAsync(fleet, request, ct);
        Timeline.Mark("deploy: selection ready");
        var nodes = selection.Nodes;
        if (nodes.IsEmpty)
        {
            return Empty(DeployOutcome.EmptyFleet, nodes, started);
        }

        // An environment that changes node moves with its data: its new node first, its old one after (DeployMoves).
        var plannedMoves = request.SystemOnly ? [] : DeployMoves.For(plan, selection);
        var order = DeployMoves.Order(nodes, plannedMoves);

        if (!request.SkipGate)
        {
            var ungated = GateStamp.Stale(fleet.PlanJson, nodes);
            if (ungated.Length > 0)
            {
                var command = ungated.Length == 1 ? $"hostenv-provider dns-gate --node {ungated[0]}" : "hostenv-provider dns-gate";
                throw new OperationRefusedException($"DNS was not checked for what {string.Join(", ", ungated)} now serve{(ungated.Length == 1 ? "s" : "")} (never gated, or vhosts/addresses changed since the last dns-gate): run `{command}` (or pass --skip-gate to deploy without it)");
            }
        }

        _ = fleet.Key; // no SSH key is one error for the run, not one per node
        DeployExpectations? confirmed = null;
        if (request.DryRun || confirm is not null)
        {
            // The preview reads every node without changing it; deploy after "yes" decides from its own inspection under the
            // node lock and refuses whatever differs from what was shown (DeployExpectations).
            var (previews, previewErrors) = await PreviewAsync(selection, request, early, ct);
            foreach (var preview in previews)
            {
                progress(preview.Text);
            }

            foreach (var (node, error) in previewErrors)
            {
                progress($"{node}: error: {error}");
            }

            await PreviewMovesAsync(plannedMoves, ct);

            var previewed = Empty(DeployOutcome.Previewed, nodes, started) with { Previews = previews, PreviewErrors = previewErrors };
            if (request.DryRun)
            {
                return previewed;
            }

            if (!previewErrors.IsEmpty)
            {
                throw new OperationRefusedException("the nodes above could not be asked what would change; nothing was deployed");
            }

            if (!previewed.PreviewHasChanges)
            {
                progress("Nothing to deploy: every node and environment is up to date.");
                return previewed with { Outcome = DeployOutcome.NothingToDo };
            }

            if (!await confirm!(ct))
            {
                progress("Nothing was changed.");
                return previewed with { Outcome = DeployOutcome.Declined };
            }

            confirmed = DeployExpectations.From(previews);
        }

        var journal = OpenJournal(request, plan.InputsHash, selection);
        var moves = new DeployMoves(fleet, request, progress, clock, journal, nodes, plannedMoves);
        var run = new NodeRuns();
        await using (ct.Register(() => progress("cancelling: stopping the remote step in progress, then releasing the node locks")))
        {
            await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = request.Parallel, CancellationToken = ct }, async (node, token) =>
            {
                try
                {
                    await DeployNodeAsync(node, selection, request, journal, confirmed, run, early, moves, token);
                }
                catch (Exception ex) when (ex is NodeConnectionException or NodeLockException or DeployStepException or OperationRefusedException)
                {
                    run.Errors[node] = ex.Message;
                }
                finally
                {
                    await moves.AbandonAsync(node, run.Errors.GetValueOrDefault(node) ?? "its system stage did not succeed");
                }
            });
        }

        var result = new DeployResult(DeployOutcome.Applied, nodes, [], ImmutableSortedDictionary<string, string>.Empty,
            run.Systems.ToImmutableSortedDictionary(StringComparer.Ordinal), run.Errors.ToImmutableSortedDictionary(StringComparer.Ordinal),
            run.AcmeFailures.ToImmutableSortedDictionary(StringComparer.Ordinal),
            [.. run.Environments.OrderBy(e => e.Key.Node, StringComparer.Ordinal).ThenBy(e => e.Key.Env, StringComparer.Ordinal).Select(e => (e.Key.Node, e.Key.Env, e.Value))],
            run.VerifyFailures.ToImmutableDictionary(), clock.GetElapsedTime(started));
        journal?.Finish(result.Succeeded && run.Systems.Count == nodes.Length);
        return result;
    }

    private DeployResult Empty(DeployOutcome outcome, ImmutableArray<string> nodes, long started) => new(outcome, nodes, [],
        ImmutableSortedDictionary<string, string>.Empty, ImmutableSortedDictionary<string, SystemStageResult>.Empty, ImmutableSortedDictionary<string, string>.Empty,
        ImmutableSortedDictionary<string, string>.Empty, [], ImmutableDictionary<(string, string), string>.Empty, clock.GetElapsedTime(started));

    private async Task<(ImmutableArray<NodePreview> Previews, ImmutableSortedDictionary<string, string> Errors)> PreviewAsync(
        DeploySelection selection, DeployRequest request, EarlySessions early, CancellationToken ct)
    {
        var previews = new ConcurrentDictionary<string, NodePreview>(StringComparer.Ordinal);
        var errors = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(selection.Nodes, new ParallelOptions { MaxDegreeOfParallelism = request.Parallel, CancellationToken = ct }, async (node, token) =>
        {
            try
            {
                await using var session = await early.TakeAsync(node, token);
                previews[node] = await NodePreview.ReadAsync(session, NodeRenderer.Render(fleet.PlanJson, node), request.SystemOnly ? [] :
                    selection.EnvironmentsOf(node).Where(selection.Releases.ContainsKey)
                        .Select(e => new EnvironmentToPreview(e, fleet.Plan.Environments[e], selection.Releases[e])), token);
            }
            catch (Exception ex) when (ex is NodeConnectionException or DeployStepException or OperationRefusedException)
            {
                errors[node] = ex.Message;
            }
        });
        return ([.. selection.Nodes.Where(previews.ContainsKey).Select(n => previews[n])], errors.ToImmutableSortedDictionary(StringComparer.Ordinal));
    }

    /// <summary>For the preview: each move whose old node still holds the environment, and how much data would travel.</summary>
    private async Task PreviewMovesAsync(ImmutableArray<PlannedMove> moves, CancellationToken ct)
    {
        foreach (var move in moves)
        {
            try
            {
                await using var source = await fleet.ConnectAsync(move.From, ct);
                var probe = await Move.EnvironmentMove.ProbeAsync(source, move.User, ct);
                if (!probe.Holds)
                {
                    continue;
                }

                var env = fleet.Plan.Environments[move.User];
                var data = await Move.EnvironmentMove.ReadSourceAsync(source, env, ct);
                progress($"{move.To}: > {move.User} moves here from {move.From}: {data.Files} file(s), {Move.DataManifest.Size(data.Bytes)} of data would travel " +
                    $"({string.Join(", ", Move.MovePaths.Of(env).Select(p => "~/" + p))}); {move.From} serves it until the final copy, then it is removed there{(probe.StoppedUnits.IsEmpty ? "" : " (an interrupted move already stopped it there)")}");
            }
            catch (Exception ex) when (ex is NodeConnectionException or Move.MoveException)
            {
                progress($"{move.To}: > {move.User} moves here from {move.From}: cannot read its data there: {ex.Message}");
            }
        }
    }

    private DeployJournal? OpenJournal(DeployRequest request, string inputsHash, DeploySelection selection)
    {
        if (!request.Resume)
        {
            return request.DryRun ? null : DeployJournal.Start(fleet.RepoDir, inputsHash, clock.GetUtcNow());
        }

        var journal = DeployJournal.Load(fleet.RepoDir) ?? throw new OperationRefusedException("there is no interrupted deploy to resume (no journal for this repo)");
        if (journal.Complete)
        {
            throw new OperationRefusedException("the last deploy finished; there is nothing to resume (run deploy)");
        }

        if (journal.InputsHash != inputsHash)
        {
            throw new OperationRefusedException("the plan changed since the interrupted deploy; run deploy (not --resume)");
        }

        var all = selection.Nodes.SelectMany(n => selection.EnvironmentsOf(n).Select(e => (Node: n, Env: e))).ToList();
        progress($"resuming the interrupted deploy: {all.Count(p => journal.IsFinished(p.Node, p.Env))} of {all.Count} environment(s) already finished");
        return journal;
    }

    /// <summary>What the parallel node runs collect.</summary>
    private sealed class NodeRuns
    {
        public ConcurrentDictionary<string, SystemStageResult> Systems { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, string> AcmeFailures { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<(string Node, string Env), EnvironmentResult> Environments { get; } = new();

        public ConcurrentDictionary<(string Node, string Env), string> VerifyFailures { get; } = new();
    }

    /// <summary>One node under its lock: the system stage, ACME after an activation, then its environments.</summary>
    private async Task DeployNodeAsync(string node, DeploySelection selection, DeployRequest request, DeployJournal? journal, DeployExpectations? confirmed,
        NodeRuns run, EarlySessions early, DeployMoves moves, CancellationToken ct)
    {
        var generation = NodeRenderer.Render(fleet.PlanJson, node);
        Timeline.Mark($"{node}: generation rendered");
        var config = fleet.Plan.Nodes[node]; // confirm timeout, magic rollback, address: node.yaml's, as planned
        await using var session = await early.TakeAsync(node, ct);
        Timeline.Mark($"{node}: connected");
        if (!request.ForceUnlock && moves.Planned.IsEmpty)
        {
            session.CarryReadAhead("ACQUIRED", ReadsAhead(generation, selection.EnvironmentsOf(node), selection, request));
        }

        await using var nodeLock = await NodeLocking.TakeAsync(session, "deploy", request.ForceUnlock, progress, ct);
        Timeline.Mark($"{node}: locked");

        await moves.BeforeSystemStageAsync(session, node, ct); // an environment moving away leaves with the system stage: only once it serves elsewhere
        var stage = new SystemStage(c => fleet.ConnectAsync(node, c), TimeSpan.FromSeconds(config.ConfirmTimeoutSeconds), config.MagicRollback, progress);
        var result = await stage.ApplyAsync(session, generation, ct, expectedCurrent: confirmed?.NodeGenerations.GetValueOrDefault(node));
        run.Systems[node] = result;
        if (result.Outcome != SystemOutcome.UpToDate)
        {
            session.DropReadAhead(); // read before the node changed (or not at all: the generation differed)
        }

        Timeline.Mark($"{node}: system stage {result.Outcome}");
        journal?.Record(node, "system", result.Outcome.ToString().ToLowerInvariant(), result.ToGeneration);
        if (result.Outcome == SystemOutcome.Activated)
        {
            await AcmeAsync(session, node, run, ct);
        }

        if (result.Outcome is SystemOutcome.Activated or SystemOutcome.UpToDate && !request.SystemOnly)
        {
            await DeployEnvironmentsAsync(session, node, config.Address, selection, journal, request.Resume, confirmed, run, moves, ct);
            Timeline.Mark($"{node}: environments done");
        }
    }

    /// <summary>
    /// What a converged node answers with, carried in the lock's trip (SshNodeSession.CarryReadAhead): its current
    /// generation, and only when that is the one to deploy (so the system stage changes nothing), each environment's
    /// state read. A converged node then costs the lock's trip and the unlock's, however many environments it has.
    /// </summary>
    private List<ReadAheadStep> ReadsAhead(NodeGeneration generation, ImmutableArray<string> environments, DeploySelection selection, DeployRequest request)
    {
        var reads = new List<ReadAheadStep> { new(SystemStage.ReadCurrentCommand, generation.Id) };
        if (!request.SystemOnly)
        {
            foreach (var env in environments)
            {
                if (selection.Releases.TryGetValue(env, out var release) && EnvironmentStage.ReadAheadOfDeploy(fleet.Plan.Environments[env], release) is { } read)
                {
                    reads.Add(new ReadAheadStep(read));
                }
            }
        }

        return reads;
    }

    private async Task AcmeAsync(SshNodeSession session, string node, NodeRuns run, CancellationToken ct)
    {
        var acme = await session.RunAsync(RemoteCommand.Exec("systemctl", "start", "hostenv-acme-renew.service").AsRoot(), TimeSpan.FromMinutes(10), ct);
        if (acme.Success)
        {
            progress($"{node}: certificates requested/renewed for the ACME vhosts");
            return;
        }

        // What lego said last, for every vhost still on its placeholder: the operator should not need to log in to see why.
        var why = await session.RunAsync(RemoteScripts.Command("acme-failures.sh", NodeRenderer.CertRoot).AsRoot(), TimeSpan.FromSeconds(30), ct);
        run.AcmeFailures[node] = why.Stdout.TrimEnd();
        progress($"{node}: ACME did not complete; nginx keeps serving the placeholder certificate for:\n{why.Stdout.TrimEnd()}\n  (full logs: {HostenvPaths.LogRoot}/acme-<vhost>.log on the node; the renewal timer retries)");
    }

    /// <summary>The environment stage on one node: each environment in turn, journaled, then its deploymentVerification checks.</summary>
    private async Task DeployEnvironmentsAsync(SshNodeSession session, string node, string address, DeploySelection selection, DeployJournal? journal,
        bool resume, DeployExpectations? confirmed, NodeRuns run, DeployMoves moves, CancellationToken ct)
    {
        var stage = new EnvironmentStage(progress, clock)
        {
            OnJournal = (env, step, release) =>
            {
                journal?.Record(node, env, step, release);
                if (step == "switched")
                {
                    moves.Switched(env);
                }
            },
            BeforeActivate = moves.BeforeActivateAsync,
            ReuseBuiltRelease = resume,
            Previewed = confirmed?.Environments,
        };
        foreach (var env in selection.EnvironmentsOf(node))
        {
            // A moving environment is never skipped: its old copy may still wait to be retired (its stage is then up to date).
            if (resume && journal?.IsFinished(node, env) == true && !moves.IsPlanned(env))
            {
                progress($"{node}/{env}: finished before the interruption; skipped");
                continue;
            }

            var spec = fleet.Plan.Environments[env];
            if (!selection.Releases.TryGetValue(env, out var release))
            {
                journal?.Record(node, env, "skipped");
                continue; // no app: the system stage gave it its user and vhosts
            }

            if (await moves.BeginAsync(session, spec, ct) is { } moveFailed)
            {
                run.Environments[(node, env)] = new EnvironmentResult(env, EnvironmentOutcome.Failed, null, release.Rev, moveFailed, TimeSpan.Zero);
                journal?.Record(node, env, "failed");
                continue;
            }

            var result = await stage.DeployAsync(session, spec, release, ct);
            if (await moves.EndAsync(result, ct) is { } moveError)
            {
                result = result with { Outcome = EnvironmentOutcome.Failed, Error = result.Error is null ? moveError : result.Error + "\n" + moveError };
            }

            run.Environments[(node, env)] = result;
            if (result.Outcome != EnvironmentOutcome.Failed && System.Net.IPAddress.TryParse(address, out var ip))
            {
                foreach (var check in await Verifier.RunAsync(spec, ip, ct))
                {
                    progress($"{node}/{env}: verify {check.Check}: {(check.Ok ? "ok" : "FAILED")} ({check.Detail}){(check.Ok || check.Enforced ? "" : " (not enforced)")}");
                    if (!check.Ok && check.Enforced)
                    {
                        run.VerifyFailures[(node, env)] = $"verification failed: {check.Check}: {check.Detail}";
                    }
                }
            }

            journal?.Record(node, env, result.Outcome switch
            {
                EnvironmentOutcome.Deployed => "done",
                EnvironmentOutcome.UpToDate => "up-to-date",
                EnvironmentOutcome.Skipped => "skipped",
                _ => "failed",
            }, result.Release);
        }
    }
}
