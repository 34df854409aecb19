using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Apply;

/// <summary>Start in the idle slot, health check, the switch, drain of the old slot, the postDeploy hook.</summary>
public sealed partial class EnvironmentStage
{
    private async Task<EnvironmentResult> ActivateAsync(SshNodeSession session, EnvironmentPlan env, string rev, string releaseId, string fingerprint,
        EnvironmentState state, long started, CancellationToken ct, bool discardOnFailure = true, string outcome = "deployed", string inputs = "")
    {
        var user = env.UserName;
        var app = env.App;
        var home = HostenvPaths.Home(user);
        var releaseDir = $"{home}/releases/{releaseId}";
        var isApp = app?.RunsInSlots == true;
        var compose = app?.Compose;
        string? slot = null;
        if (isApp)
        {
            slot = state.ServingSlot == "a" ? "b" : "a";
            var unit = AppUnit(user, slot);
            if (compose is not null)
            {
                try
                {
                    await ComposeUpAsync(session, env, compose, releaseId, releaseDir, slot, ct);
                }
                catch (DeployStepException)
                {
                    await ComposeDownAsync(session, user, slot, logs: false, ct);
                    throw;
                }
            }

            await Run(session, "start", RemoteScripts.Command("env-start-slot.sh", home, slot, releaseDir, unit).AsRoot(), ct);
            Step(session, user, $"started {releaseId} in slot {slot} beside the live one");
            await Checkpoint.InvokeIfSet("started", ct);

            var health = await HealthCheckAsync(session, env, slot, ct);
            if (!health.Ok)
            {
                var journal = await session.RunAsync(RemoteScripts.Command("env-stop-failed.sh", unit).AsRoot(), StepTimeout, ct);
                var containers = compose is null ? "" : await ComposeDownAsync(session, user, slot, logs: true, ct);
                if (discardOnFailure)
                {
                    await DiscardAsync(session, user, releaseDir, slot, ct);
                }

                return Fail(user, started, releaseId, rev, $"health check failed: {health.Detail}; the new release was stopped and the old one keeps serving.\n" +
                    $"last lines of {unit}:\n" + Tail(journal.Stdout, 50) + (containers.Length > 0 ? $"\ncontainers of {ComposeProject(user, slot)}:\n" + Tail(containers, 60) : ""));
            }

            Step(session, user, $"healthy in slot {slot}: {health.Detail}");
        }

        // The switch: one rename of the link nginx connects through (apps) or serves from (static sites), and the
        // state file recording it, in one remote script: an interruption cannot leave traffic on one release while
        // the state names another (and the next deploy reads the live slot from the link itself anyway).
        var old = state.ServingSlot;
        var previous = state.Release;
        await Run(session, "switch", RemoteScripts.Command("env-switch.sh", home, releaseDir, slot is null ? "" : HostenvPaths.SlotSocket(user, slot), HostenvPaths.UpstreamSocket(user),
            EnvDir(user), releaseId, slot ?? "", fingerprint, rev, previous ?? "", inputs).AsRoot(), ct);
        Step(session, user, slot is null ? $"switched: nginx serves {releaseId}" : $"switched: traffic goes to slot {slot}");
        await JournalAsync(session, user, "switched", releaseId, ct);
        await Checkpoint.InvokeIfSet("switched", ct);

        if (isApp && old is not null && old != slot)
        {
            // Drain: requests already on the old slot finish; bounded wait for its connections to close, then stop it.
            await Run(session, "drain", RemoteScripts.Command("env-drain.sh", HostenvPaths.SlotSocket(user, old), AppUnit(user, old)).AsRoot(), ct);
            if (compose is not null)
            {
                await ComposeDownAsync(session, user, old, logs: false, ct);
            }

            Step(session, user, compose is null ? $"slot {old} drained and stopped" : $"slot {old} drained and its compose project {ComposeProject(user, old)} stopped");
        }

        string? warning = null;
        if (app?.Hooks.PostDeploy is { } post)
        {
            var hook = await AsUserAsync(session, user, releaseDir, post, StepTimeout, $"{EnvDir(user)}/hooks.log", ct);
            warning = hook.Success ? null : $"postDeploy hook failed (exit {hook.ExitCode}) after the switch; {releaseId} is serving:\n" + Tail(hook.Stdout + hook.Stderr, 20);
            Step(session, user, hook.Success ? "postDeploy hook passed" : "postDeploy hook FAILED");
        }

        var elapsed = Elapsed(started);
        await RecordHistoryAsync(session, user, releaseId, rev, warning is null ? outcome : "hook-failed", elapsed, ct);
        var kept = await RetainAsync(session, user, app?.KeepReleases ?? 5, releaseId, previous, ct);
        if (compose is not null)
        {
            await ComposeRetainAsync(session, user, kept, ct);
        }

        await JournalAsync(session, user, warning is null ? "done" : "done-with-warning", releaseId, ct);
        return new EnvironmentResult(user, warning is null ? EnvironmentOutcome.Deployed : EnvironmentOutcome.Failed, releaseId, rev, warning, elapsed);
    }

    private sealed record Health(bool Ok, string Detail);

    private static async Task<Health> HealthCheckAsync(SshNodeSession session, EnvironmentPlan env, string slot, CancellationToken ct)
    {
        var user = env.UserName;
        var check = env.App?.HealthCheck;
        var host = env.Hostname;
        var path = check?.Path ?? "";
        var interval = check?.IntervalSeconds ?? 1;
        var timeout = check?.TimeoutSeconds ?? 5;
        var deadline = check?.DeadlineSeconds ?? 30;
        var expect = StatusRange.Parse(check?.ExpectStatus);
        // Bounded on the node: polls until the deadline; without a healthCheck, the socket must accept connections and the unit stay up.
        var r = await session.RunAsync(RemoteScripts.Command("env-health-check.sh", HostenvPaths.SlotSocket(user, slot), host, path, Str(interval), Str(timeout), Str(deadline), Str(expect.Low), Str(expect.High), AppUnit(user, slot)).AsRoot(),
            TimeSpan.FromSeconds(deadline + timeout + 30), ct);
        var line = r.Stdout.Trim().Split('\n').LastOrDefault() ?? "";
        var ok = r.Success && line.StartsWith("OK ", StringComparison.Ordinal);
        var detail = line.StartsWith("OK ", StringComparison.Ordinal) ? line[3..] : line.StartsWith("FAIL ", StringComparison.Ordinal) ? line[5..]
            : r.Stderr.Trim().Length > 0 ? r.Stderr.Trim() : "no answer";
        return new Health(ok, detail);
    }

    public static string AppUnit(string user, string slot) => $"hostenv-{user}-app@{slot}.service";
}
