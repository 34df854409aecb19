using System.Collections.Immutable;
using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Nodes.Ssh;
using Provider.Planning.Output;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Apply;

public enum EnvironmentOutcome
{
    UpToDate,
    Deployed,
    Failed,
    Skipped,
}

/// <summary>What a preview shows for one environment, whether it is a change, and the inspection it decided from (<see cref="EnvironmentStage.Previewed"/>).</summary>
public sealed record EnvironmentPreview(string Line, bool Changes, string Seen);

/// <summary>An environment rollback: from the current release to a kept one (with the rev it was built from).</summary>
public sealed record RollbackTarget(string? Current, string Release, string Rev);

public sealed record EnvironmentResult(string Environment, EnvironmentOutcome Outcome, string? Release, string? Rev, string? Error, TimeSpan Duration);

/// <summary>What the node records for an environment (root-only state file under /var/lib/hostenv/envs/&lt;user&gt;).</summary>
public sealed record EnvironmentState(string? Release, string? Slot, string? Fingerprint, string? Rev, string? Previous)
{
    /// <summary>The newest release directory name on the node (kept, failed or partial), so a new name sorts after it.</summary>
    public string? NewestRelease { get; init; }

    /// <summary>The slot nginx's upstream link points at right now (the truth for which slot serves), if any.</summary>
    public string? LiveSlot { get; init; }

    /// <summary>The slot that serves: the upstream link when present, else what the state file recorded.</summary>
    public string? ServingSlot => LiveSlot ?? Slot;

    /// <summary>The last release assembled and built on the node ("releaseId fingerprint"), whether or not it went live; only while its directory exists.</summary>
    public string? Built { get; init; }

    public static EnvironmentState Parse(string text)
    {
        var values = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1].Trim(), StringComparer.Ordinal);
        string? V(string key) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
        return new EnvironmentState(V("release"), V("slot"), V("fingerprint"), V("rev"), V("previous")) { NewestRelease = V("newest"), Built = V("built"), LiveSlot = V("live") };
    }
}

/// <summary>
/// The environment stage of DESIGN §7 for one environment on one node. Releases are content-addressed: only
/// blobs the node lacks travel, then an immutable release directory is assembled from the node's blob store.
/// An app runs in one of two slots (systemd template instances a and b, each on its own socket); a new release
/// starts in the idle slot, is health-checked there, and traffic moves by one atomic rename of the socket link
/// nginx connects through (nginx opens a new upstream connection per request, so no reload is needed and no
/// request is dropped). The old slot drains, then stops. A failed step before the switch leaves the old
/// release serving and removes the new one.
/// </summary>
public sealed class EnvironmentStage(Action<string> progress, TimeProvider clock)
{
    public const string EnvsRoot = "/var/lib/hostenv/envs";
    public const string BlobsRoot = "/var/lib/hostenv/blobs";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Called at named points ("uploaded", "built", "started", "switched"): tests interrupt the run there.</summary>
    public Func<string, CancellationToken, Task>? Checkpoint { get; init; }

    /// <summary>
    /// `deploy --resume`: a release that was assembled and built for exactly this fingerprint by the interrupted
    /// run, and is still on the node, is taken as it is (no upload, assembly or build: builds can take minutes).
    /// </summary>
    public bool ReuseBuiltRelease { get; init; }

    /// <summary>
    /// Deploy after a confirmed preview: per environment, the <see cref="EnvironmentPreview.Seen"/> token the preview
    /// decided from. An environment whose inspection gives another token now is not touched (the node changed between
    /// the preview and the answer), so what runs is what the person agreed to.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Previewed { get; init; }

    /// <summary>Receives (environment, step, release) for the local journal that `deploy --resume` reads.</summary>
    public Action<string, string, string>? OnJournal { get; init; }

    public static string EnvDir(string user) => $"{EnvsRoot}/{user}";

    public async Task<EnvironmentResult> DeployAsync(SshNodeSession session, EnvironmentPlan env, ReleaseFiles release, CancellationToken ct)
    {
        var result = await DeployCoreAsync(session, env, release, ct);
        if (result is { Outcome: EnvironmentOutcome.Failed, Release: { } failedRelease } && result.Error?.StartsWith("postDeploy", StringComparison.Ordinal) != true)
        {
            await RecordHistoryAsync(session, result.Environment, failedRelease, result.Rev ?? "", "failed", result.Duration, ct);
            await JournalAsync(session, result.Environment, "failed", failedRelease, ct);
        }

        return result;
    }

    private async Task<EnvironmentResult> DeployCoreAsync(SshNodeSession session, EnvironmentPlan env, ReleaseFiles release, CancellationToken ct)
    {
        var user = env.UserName;
        var started = clock.GetTimestamp();
        var app = env.App;
        if (app is not { ShipsRelease: true })
        {
            return new EnvironmentResult(user, EnvironmentOutcome.Skipped, null, null, null, TimeSpan.Zero);
        }

        if (release.Files.FirstOrDefault(f => f.Path.Any(c => c < 0x20)) is { } bad)
        {
            return Fail(user, started, null, release.Rev, $"file name with a control character in the source: {bad.Path.Replace("\n", "\\n", StringComparison.Ordinal)}");
        }

        var (state, fingerprint, missing, serving) = await InspectAsync(session, env, release, readOnly: false, ct);
        if (Previewed?.TryGetValue(user, out var seen) == true && seen != Seen(state, fingerprint, serving))
        {
            return Fail(user, started, null, release.Rev, "changed on the node since the preview you confirmed (release, service, node overrides or secrets); " +
                "nothing was changed for it: run the command again to see what it would do now");
        }

        if (missing.Count > 0)
        {
            Step(session, user, $"warning: declared secret(s) not set on the node: {string.Join(", ", missing)} (hostenv-provider secrets set {user} NAME)");
        }

        if (serving)
        {
            Step(session, user, $"release {state.Release} is current and serving: nothing to do");
            return new EnvironmentResult(user, EnvironmentOutcome.UpToDate, state.Release, state.Rev, null, Elapsed(started));
        }

        // Never the live release: a failure on the way would discard its directory.
        if (ReuseBuiltRelease && state.Built?.Split(' ') is [var builtId, var builtFingerprint] && builtFingerprint == fingerprint && builtId != state.Release)
        {
            Step(session, user, $"release {builtId} was assembled and built before the interruption: upload, assembly and build skipped");
            await JournalAsync(session, user, "start", builtId, ct);
            return await PreDeployAndActivateAsync(session, env, release.Rev, builtId, fingerprint, state, started, ct);
        }

        var releaseId = NextReleaseId(clock.GetUtcNow(), release.Rev, state.NewestRelease);
        var releaseDir = $"{HostenvPaths.Home(user)}/releases/{releaseId}";
        await JournalAsync(session, user, "start", releaseId, ct);
        try
        {
            var sent = await UploadBlobsAsync(session, release, ct);
            Step(session, user, $"release {releaseId} ({release.Origin}): {release.Files.Length} files, sent {sent.Count} blob(s), {sent.Bytes:N0} bytes");
            await AssembleAsync(session, user, env, release, releaseDir, ct);
            await Checkpoint.InvokeIfSet("uploaded", ct);
            await JournalAsync(session, user, "assembled", releaseId, ct);

            foreach (var command in app.Build)
            {
                var timeout = TimeSpan.FromSeconds(app.BuildTimeoutSeconds);
                var build = await AsUserAsync(session, user, releaseDir, command, timeout, $"{EnvDir(user)}/build-{releaseId}.log", ct);
                if (!build.Success)
                {
                    await DiscardAsync(session, user, releaseDir, null, ct);
                    return Fail(user, started, releaseId, release.Rev, (build.ExitCode == RemoteCommand.TimeoutExitCode ? $"build `{command}` timed out after {timeout.TotalSeconds:0} s" : $"build `{command}` failed (exit {build.ExitCode})") + ":\n" + Tail(build.Stdout + build.Stderr, 30));
                }
            }

            if (app.Build.Length > 0)
            {
                Step(session, user, "build finished");
            }

            await ReleaseManifest.RecordAsync(session, user, releaseId, ct);
            await Run(session, "built", RemoteCommand.Shell("printf '%s %s\\n' \"$2\" \"$3\" > \"$1/built\"", EnvDir(user), releaseId, fingerprint).AsRoot(), ct);
            await JournalAsync(session, user, "built", releaseId, ct);
            await Checkpoint.InvokeIfSet("built", ct);
            return await PreDeployAndActivateAsync(session, env, release.Rev, releaseId, fingerprint, state, started, ct);
        }
        catch (NodeConnectionException)
        {
            throw;
        }
        catch (DeployStepException ex)
        {
            await DiscardAsync(session, user, releaseDir, null, ct);
            return Fail(user, started, releaseId, release.Rev, ex.Message);
        }
    }

    /// <summary>
    /// For `deploy --dry-run`: whether this environment would get a new release, read from the node without
    /// changing it. Returns the line to show and whether it is a change.
    /// </summary>
    public static async Task<EnvironmentPreview> PreviewAsync(SshNodeSession session, EnvironmentPlan env, ReleaseFiles release, CancellationToken ct)
    {
        var (line, changes, seen) = await PreviewCoreAsync(session, env, release, ct);
        return new EnvironmentPreview(line, changes, seen);
    }

    /// <summary>The inspection a decision was made from, as one comparable token.</summary>
    private static string Seen(EnvironmentState state, string fingerprint, bool serving) =>
        string.Join('|', state.Release ?? "", state.Fingerprint ?? "", state.ServingSlot ?? "", fingerprint, serving ? "serving" : "not-serving");

    private static async Task<(string Line, bool Changes, string Seen)> PreviewCoreAsync(SshNodeSession session, EnvironmentPlan env, ReleaseFiles release, CancellationToken ct)
    {
        var user = env.UserName;
        var (state, fingerprint, missing, serving) = await InspectAsync(session, env, release, readOnly: true, ct);
        var seen = Seen(state, fingerprint, serving);
        var warning = missing.Count > 0 ? $" (declared secret(s) not set on the node: {string.Join(", ", missing)})" : "";
        var rev = ShortRev(release.Rev);
        if (state.Release is null)
        {
            return ($"+ {user}: first release (rev {rev}, {release.Files.Length} files){warning}", true, seen);
        }

        if (state.Fingerprint != fingerprint)
        {
            var why = state.Rev != release.Rev ? $"rev {ShortRev(state.Rev ?? "")} -> {rev}"
                : state.Fingerprint == "rollback" ? $"rolled back to {state.Release}; the plan's rev {rev} comes back"
                : "same rev; files, app settings, node overrides or secrets changed";
            return ($"~ {user}: new release replaces {state.Release} ({why}){warning}", true, seen);
        }

        return serving
            ? ($"  {user}: release {state.Release} is current and serving{warning}", false, seen)
            : ($"~ {user}: release {state.Release} is current but its service is not running: it would be started again{warning}", true, seen);
    }

    /// <summary>The preDeploy hook (a failure discards the release before anything switches), then the switch.</summary>
    private async Task<EnvironmentResult> PreDeployAndActivateAsync(SshNodeSession session, EnvironmentPlan env, string rev, string releaseId, string fingerprint,
        EnvironmentState state, long started, CancellationToken ct)
    {
        var user = env.UserName;
        var releaseDir = $"{HostenvPaths.Home(user)}/releases/{releaseId}";
        try
        {
            if (env.App?.Hooks.PreDeploy is { } pre)
            {
                var hook = await AsUserAsync(session, user, releaseDir, pre, StepTimeout, $"{EnvDir(user)}/hooks.log", ct);
                if (!hook.Success)
                {
                    await DiscardAsync(session, user, releaseDir, null, ct);
                    return Fail(user, started, releaseId, rev, $"preDeploy hook failed (exit {hook.ExitCode}); nothing was switched:\n" + Tail(hook.Stdout + hook.Stderr, 30));
                }

                Step(session, user, "preDeploy hook passed");
            }

            return await ActivateAsync(session, env, rev, releaseId, fingerprint, state, started, ct);
        }
        catch (DeployStepException ex)
        {
            await DiscardAsync(session, user, releaseDir, null, ct);
            return Fail(user, started, releaseId, rev, ex.Message);
        }
    }

    /// <summary>Returns an environment to a release it keeps (default: the previous good one) through the same start/check/switch path.</summary>
    /// <param name="previewed">The target a confirmed preview showed; if the node's current release or the resolved target differ now, nothing is changed.</param>
    public async Task<EnvironmentResult> RollbackAsync(SshNodeSession session, EnvironmentPlan env, string? to, CancellationToken ct, RollbackTarget? previewed = null)
    {
        var user = env.UserName;
        var started = clock.GetTimestamp();
        var (state, _, _) = await ReadStateAsync(session, user, ct);
        var target = await ResolveRollbackAsync(session, user, to, state, ct);
        if (previewed is not null && previewed != target)
        {
            return Fail(user, started, null, target.Rev, $"changed on the node since the preview you confirmed (now {target.Current ?? "none"} -> {target.Release}, " +
                $"the preview showed {previewed.Current ?? "none"} -> {previewed.Release}); nothing was changed: run the command again");
        }

        if (target.Release == state.Release)
        {
            return new EnvironmentResult(user, EnvironmentOutcome.UpToDate, target.Release, state.Rev, null, Elapsed(started));
        }

        // A rolled-back release is not what the plan describes: clearing the fingerprint makes the next deploy redeploy the plan.
        return await ActivateAsync(session, env, target.Rev, target.Release, "rollback", state, started, ct, discardOnFailure: false, outcome: "rollback");
    }

    /// <summary>Which kept release `rollback --env [--to R]` returns to, from the node's current state (read-only).</summary>
    public static async Task<RollbackTarget> ResolveRollbackAsync(SshNodeSession session, string user, string? to, CancellationToken ct) =>
        await ResolveRollbackAsync(session, user, to, (await ReadStateAsync(session, user, ct, readOnly: true)).State, ct);

    private static async Task<RollbackTarget> ResolveRollbackAsync(SshNodeSession session, string user, string? to, EnvironmentState state, CancellationToken ct)
    {
        var history = await ReadHistoryAsync(session, user, ct);
        var kept = (await ListReleasesAsync(session, user, ct)).Kept;
        string target;
        if (to is not null)
        {
            var matches = kept.Where(r => r == to || r.StartsWith(to, StringComparison.Ordinal) || r.EndsWith("-" + to, StringComparison.Ordinal)).ToList();
            target = matches.Count == 1 ? matches[0] : throw new DeployStepException("rollback",
                matches.Count == 0 ? $"no release '{to}' is kept for {user}; kept: {string.Join(", ", kept.Order(StringComparer.Ordinal))}" : $"'{to}' matches {matches.Count} releases");
        }
        else
        {
            target = history.Where(h => h.Outcome is "deployed" or "rollback" && h.Release != state.Release && kept.Contains(h.Release)).Select(h => h.Release).LastOrDefault()
                ?? throw new DeployStepException("rollback", $"{user} has no earlier good release to return to (current: {state.Release ?? "none"})");
        }

        return new RollbackTarget(state.Release, target, history.LastOrDefault(h => h.Release == target)?.Rev ?? "");
    }

    private async Task<EnvironmentResult> ActivateAsync(SshNodeSession session, EnvironmentPlan env, string rev, string releaseId, string fingerprint,
        EnvironmentState state, long started, CancellationToken ct, bool discardOnFailure = true, string outcome = "deployed")
    {
        var user = env.UserName;
        var app = env.App;
        var home = HostenvPaths.Home(user);
        var releaseDir = $"{home}/releases/{releaseId}";
        var isApp = app?.Run is not null;
        string? slot = null;
        if (isApp)
        {
            slot = state.ServingSlot == "a" ? "b" : "a";
            var unit = AppUnit(user, slot);
            await Run(session, "start", RemoteCommand.Shell("""
                set -e
                home="$1"; slot="$2"; rel="$3"; unit="$4"
                install -d -o root -g root -m 0755 "$home/slots"
                ln -sfn "$rel" "$home/slots/$slot.new" && mv -T "$home/slots/$slot.new" "$home/slots/$slot"
                systemctl reset-failed "$unit" 2>/dev/null || true
                systemctl restart "$unit"
                """, home, slot, releaseDir, unit).AsRoot(), ct);
            Step(session, user, $"started {releaseId} in slot {slot} beside the live one");
            await Checkpoint.InvokeIfSet("started", ct);

            var health = await HealthCheckAsync(session, env, slot, ct);
            if (!health.Ok)
            {
                var journal = await session.RunAsync(RemoteCommand.Shell("systemctl stop \"$1\" || true; journalctl -u \"$1\" -n 50 --no-pager -o cat 2>/dev/null | tail -n 50", unit).AsRoot(), StepTimeout, ct);
                if (discardOnFailure)
                {
                    await DiscardAsync(session, user, releaseDir, slot, ct);
                }

                return Fail(user, started, releaseId, rev, $"health check failed: {health.Detail}; the new release was stopped and the old one keeps serving.\n" +
                    $"last lines of {unit}:\n" + Tail(journal.Stdout, 50));
            }

            Step(session, user, $"healthy in slot {slot}: {health.Detail}");
        }

        // The switch: one rename of the link nginx connects through (apps) or serves from (static sites), and the
        // state file recording it, in one remote script: an interruption cannot leave traffic on one release while
        // the state names another (and the next deploy reads the live slot from the link itself anyway).
        var old = state.ServingSlot;
        var previous = state.Release;
        await Run(session, "switch", RemoteCommand.Shell("""
            set -e
            home="$1"; rel="$2"; sock="$3"; live="$4"; dir="$5"
            (umask 077; printf 'release=%s\nslot=%s\nfingerprint=%s\nrev=%s\nprevious=%s\n' "$6" "$7" "$8" "$9" "${10}" > "$dir/state.new")
            ln -sfn "$rel" "$home/current.new" && mv -T "$home/current.new" "$home/current"
            if [ -n "$sock" ]; then ln -sfn "$sock" "$live.new" && mv -T "$live.new" "$live"; fi
            mv "$dir/state.new" "$dir/state"
            """, home, releaseDir, slot is null ? "" : HostenvPaths.SlotSocket(user, slot), HostenvPaths.UpstreamSocket(user),
            EnvDir(user), releaseId, slot ?? "", fingerprint, rev, previous ?? "").AsRoot(), ct);
        Step(session, user, slot is null ? $"switched: nginx serves {releaseId}" : $"switched: traffic goes to slot {slot}");
        await JournalAsync(session, user, "switched", releaseId, ct);
        await Checkpoint.InvokeIfSet("switched", ct);

        if (isApp && old is not null && old != slot)
        {
            // Drain: requests already on the old slot finish; bounded wait for its connections to close, then stop it.
            await Run(session, "drain", RemoteCommand.Shell("""
                sock="$1"; unit="$2"
                i=0; while [ $i -lt 50 ] && [ "$(ss -xH state connected 2>/dev/null | grep -c "$sock")" -gt 0 ]; do sleep 0.2; i=$((i+1)); done
                systemctl stop "$unit" || true
                """, HostenvPaths.SlotSocket(user, old), AppUnit(user, old)).AsRoot(), ct);
            Step(session, user, $"slot {old} drained and stopped");
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
        await RetainAsync(session, user, app?.KeepReleases ?? 5, releaseId, previous, ct);
        await JournalAsync(session, user, warning is null ? "done" : "done-with-warning", releaseId, ct);
        return new EnvironmentResult(user, warning is null ? EnvironmentOutcome.Deployed : EnvironmentOutcome.Failed, releaseId, rev, warning, elapsed);
    }

    /// <summary>One line of deploys.log; Index is its line number (times have one-second resolution, the file's order is exact).</summary>
    public sealed record HistoryEntry(long Time, string Release, string Rev, string Outcome, double Seconds, int Index = 0);

    public static async Task<ImmutableArray<HistoryEntry>> ReadHistoryAsync(SshNodeSession session, string user, CancellationToken ct)
    {
        var r = await session.RunAsync(RemoteCommand.Shell("cat \"$1/deploys.log\" 2>/dev/null || true", EnvDir(user)).AsRoot(), StepTimeout, ct);
        return ParseHistory(r.Stdout);
    }

    public static ImmutableArray<HistoryEntry> ParseHistory(string text) =>
    [
        .. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).Where(p => p.Length >= 5)
            .Select((p, i) => new HistoryEntry(long.Parse(p[0], CultureInfo.InvariantCulture), p[1], p[2], p[3], double.Parse(p[4], CultureInfo.InvariantCulture), i)),
    ];

    /// <summary>The live release (from the node's state file) and the releases the node keeps, in name (= time) order: what `--to` can name.</summary>
    public static async Task<(string? Current, ImmutableArray<string> Kept)> ListReleasesAsync(SshNodeSession session, string user, CancellationToken ct)
    {
        var r = await Run(session, "list releases", RemoteCommand.Shell("""
            sed -n 's/^release=//p' "$1/state" 2>/dev/null | sed 's/^/current /'
            ls -1 "$2/releases" 2>/dev/null | grep -v '\.partial$' | sed 's/^/kept /'
            true
            """, EnvDir(user), HostenvPaths.Home(user)).AsRoot(), ct);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (lines.FirstOrDefault(l => l.StartsWith("current ", StringComparison.Ordinal))?["current ".Length..],
            [.. lines.Where(l => l.StartsWith("kept ", StringComparison.Ordinal)).Select(l => l["kept ".Length..]).Order(StringComparer.Ordinal)]);
    }

    public static string AppUnit(string user, string slot) => $"hostenv-{user}-app@{slot}.service";

    /// <summary>A sed program printing the variable names of a secrets file (never the values).</summary>
    public const string SecretNamesSed = "s/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p";

    /// <summary>The secret names an environment declares in its manifest.</summary>
    public static IEnumerable<string> DeclaredSecrets(EnvironmentPlan env) => env.Secrets;

    /// <summary>
    /// What deploy and its dry run decide from: the node's state for the environment, the release's fingerprint
    /// (with the node-side inputs), declared secrets missing on the node, and whether the planned release is the
    /// live one and its service runs (then there is nothing to do).
    /// </summary>
    private static async Task<(EnvironmentState State, string Fingerprint, IReadOnlyList<string> MissingSecrets, bool Serving)> InspectAsync(
        SshNodeSession session, EnvironmentPlan env, ReleaseFiles release, bool readOnly, CancellationToken ct)
    {
        var user = env.UserName;
        var app = env.App ?? throw new InvalidOperationException($"{user} has no app to inspect");
        var (state, extras, secretNames) = await ReadStateAsync(session, user, ct, readOnly);
        var missing = DeclaredSecrets(env).Except(secretNames, StringComparer.Ordinal).ToList();
        var fingerprint = Fingerprint(release, app, extras);
        var serving = state.Fingerprint == fingerprint && state.Release is not null && await IsServingAsync(session, user, app.Run is not null, state, ct);
        return (state, fingerprint, missing, serving);
    }

    private static async Task<(EnvironmentState State, string Extras, string[] SecretNames)> ReadStateAsync(SshNodeSession session, string user, CancellationToken ct,
        bool readOnly = false)
    {
        // Extras: hashes of the node-side inputs of a release (operator overrides, secrets), so changing them redeploys.
        // Unless read-only (a dry run), the env state dir is created and the secrets file's owner and mode are made right.
        var r = await Run(session, "read state", RemoteCommand.Shell("""
            dir="$1"; user="$2"; ro="$5"
            [ "$ro" = yes ] || install -d -m 0700 "${dir%/*}" "$dir"
            cat "$dir/state" 2>/dev/null
            o=$(cd "/etc/hostenv/overrides/$user" 2>/dev/null && find . -type f | LC_ALL=C sort | xargs -r sha256sum | sha256sum | cut -c1-64)
            [ "$ro" != yes ] && [ -f "$3/$user.env" ] && chown "$user:$user" "$3/$user.env" && chmod 0600 "$3/$user.env"
            s=$(sha256sum "$3/$user.env" 2>/dev/null | cut -c1-64)
            echo "extras=overrides:$o secrets:$s"
            echo "secretnames=$(sed -n "$9" "$3/$user.env" 2>/dev/null | tr '\n' ' ')"
            echo "newest=$(ls -1 "$4/releases" 2>/dev/null | sed 's/\.partial$//' | LC_ALL=C sort | tail -n 1)"
            read -r b f < "$dir/built" 2>/dev/null && [ -d "$4/releases/$b" ] && echo "built=$b $f"
            case "$(readlink "$6" 2>/dev/null)" in "$7") echo "live=a" ;; "$8") echo "live=b" ;; esac
            true
            """, EnvDir(user), user, Provider.Planning.Render.NodeRenderer.SecretsRoot, HostenvPaths.Home(user), readOnly ? "yes" : "no",
            HostenvPaths.UpstreamSocket(user), HostenvPaths.SlotSocket(user, "a"), HostenvPaths.SlotSocket(user, "b"), SecretNamesSed).AsRoot(), ct);
        var lines = r.Stdout.Split('\n');
        var extras = lines.FirstOrDefault(l => l.StartsWith("extras=", StringComparison.Ordinal))?["extras=".Length..] ?? "";
        var names = (lines.FirstOrDefault(l => l.StartsWith("secretnames=", StringComparison.Ordinal))?["secretnames=".Length..] ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (EnvironmentState.Parse(r.Stdout), extras, names);
    }

    private static string Fingerprint(ReleaseFiles release, AppPlan app, string extras) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(release.TreeHash + "\n" + release.Rev + "\n" + extras + "\n"
            + Encoding.UTF8.GetString(CanonicalJson.Serialize(app.ToJson())))));

    private static async Task<bool> IsServingAsync(SshNodeSession session, string user, bool isApp, EnvironmentState state, CancellationToken ct)
    {
        if (!isApp)
        {
            return true;
        }

        var r = await session.RunAsync(RemoteCommand.Exec("systemctl", "is-active", "--quiet", AppUnit(user, state.ServingSlot ?? "a")).AsRoot(), StepTimeout, ct);
        return r.Success;
    }

    private static async Task<(int Count, long Bytes)> UploadBlobsAsync(SshNodeSession session, ReleaseFiles release, CancellationToken ct)
    {
        var distinct = release.Files.DistinctBy(f => f.Sha256).ToList();
        var missing = await session.RunAsync(RemoteCommand.Shell("""
            install -d -m 0700 "$1"
            while read -r s; do [ -f "$1/$s" ] || echo "$s"; done
            """, BlobsRoot).AsRoot(), StepTimeout, string.Concat(distinct.Select(f => f.Sha256 + "\n")), ct);
        if (!missing.Success)
        {
            throw new DeployStepException("upload", (missing.Stderr + missing.Stdout).Trim());
        }

        var need = missing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var send = distinct.Where(f => need.Contains(f.Sha256)).ToList();
        if (send.Count == 0)
        {
            return (0, 0);
        }

        var tarPath = Path.Combine(Path.GetTempPath(), $"hostenv-blobs-{Environment.ProcessId}-{Guid.NewGuid():N}.tar");
        try
        {
            await using (var file = File.Create(tarPath))
            await using (var writer = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: false))
            {
                foreach (var f in send)
                {
                    await using var data = f.Open();
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, f.Sha256) { DataStream = data, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite }, ct);
                }
            }

            var staging = $"/tmp/hostenv-blobs-{Guid.NewGuid():N}.tar";
            await using (var upload = File.OpenRead(tarPath))
            {
                await session.UploadAsync(upload, staging, UnixFileMode.UserRead | UnixFileMode.UserWrite, ct);
            }

            // Verified before they enter the store: a blob's name is its hash.
            await Run(session, "store blobs", RemoteCommand.Shell("""
                set -e
                store="$1"; tar="$2"; tmp="$store/.incoming-$$"
                rm -rf "$tmp"; mkdir -p "$tmp"
                tar -xf "$tar" -C "$tmp" --no-same-owner; rm -f "$tar"
                cd "$tmp"
                for f in *; do echo "$f  $f"; done | sha256sum --quiet -c -
                for f in *; do mv -f "$f" "$store/$f"; done
                cd /; rm -rf "$tmp"
                """, BlobsRoot, staging).AsRoot(), ct);
            return (send.Count, send.Sum(f => f.Size));
        }
        finally
        {
            File.Delete(tarPath);
        }
    }

    /// <summary>perl-base is Essential on Debian: one process copies every file (a shell loop would fork per file).</summary>
    private const string AssembleScript = """
        use strict; use warnings;
        my ($blobs, $dest) = @ARGV;
        sub mkpath { my $p = shift; my $acc = ''; for my $part (split m{/}, $p) { next if $part eq ''; $acc .= "/$part"; mkdir $acc unless -d $acc; } }
        while (my $line = <STDIN>) {
            chomp $line; my ($mode, $sha, $path) = split /\t/, $line, 3;
            die "unsafe path $path\n" if $path =~ m{(^|/)\.\.(/|$)} || $path =~ m{^/};
            my $target = "$dest/$path"; (my $dir = $target) =~ s{/[^/]*$}{}; mkpath($dir);
            open(my $in, '<:raw', "$blobs/$sha") or die "blob $sha for $path: $!\n";
            open(my $out, '>:raw', $target) or die "$target: $!\n";
            my $buf; while (my $n = sysread($in, $buf, 1 << 16)) { syswrite($out, $buf, $n) or die "$target: $!\n"; }
            close $out or die "$target: $!\n"; close $in; chmod oct($mode), $target;
        }
        """;

    private static async Task AssembleAsync(SshNodeSession session, string user, EnvironmentPlan env, ReleaseFiles release, string releaseDir, CancellationToken ct)
    {
        var manifest = string.Concat(release.Files.Select(f => $"{f.Mode}\t{f.Sha256}\t{f.Path}\n"));

        var shared = env.App?.SharedDirs.ToArray() ?? [];
        var r = await session.RunAsync(RemoteCommand.Shell("""
            set -e
            blobs="$1"; rel="$2"; user="$3"; script="$4"; home="$5"; data="$6"; state="$7"; cache="$8"; shift 8
            part="$rel.partial"
            # Private to the environment. A static site's releases are traversable (not listable) by nginx's group,
            # which serves them; its home is made so by the system stage.
            if [ "$STATIC" = yes ]; then
              install -d -o "$user" -g www-data -m 0710 "$home/releases"
            else
              install -d -o "$user" -g "$user" -m 0700 "$home/releases"
            fi
            # The app's data, state and cache directories (HOSTENV_*_DIR), private like the home they live in.
            for d in "$data" "$state" "$cache"; do
              [ -n "$d" ] || continue
              [ -d "$(dirname "$d")" ] || install -d -o "$user" -g "$user" -m 0700 "$(dirname "$d")"
              install -d -o "$user" -g "$user" -m 0700 "$d"
            done
            rm -rf "$part"; mkdir -p "$part"
            perl -e "$script" "$blobs" "$part"
            # Host-local overrides: the node's copy wins (its env file is read by the unit, not copied).
            ov="/etc/hostenv/overrides/$user"
            if [ -d "$ov" ]; then (cd "$ov" && find . -type f ! -path ./env | while read -r f; do mkdir -p "$part/$(dirname "$f")"; cp -f "$f" "$part/$f"; done); fi
            for d in "$@"; do
              install -d -o "$user" -g "$user" -m 0700 "$home/shared" "$home/shared/$d"
              rm -rf "$part/$d"; mkdir -p "$part/$(dirname "$d")"; ln -s "$home/shared/$d" "$part/$d"
            done
            chown -R -h "$user:$user" "$part"
            rm -rf "$rel"; mv "$part" "$rel"
            """, [BlobsRoot, releaseDir, user, AssembleScript, HostenvPaths.Home(user), env.Paths.DataDir, env.Paths.StateDir, env.Paths.CacheDir, .. shared]).AsRoot()
            .WithEnvironment("STATIC", env.App?.IsStatic == true ? "yes" : "no"), StepTimeout, manifest, ct);
        if (!r.Success)
        {
            throw new DeployStepException("assemble", (r.Stderr + r.Stdout).Trim());
        }
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
        var r = await session.RunAsync(RemoteCommand.Shell("""
            sock="$1"; host="$2"; path="$3"; interval="$4"; timeout="$5"; deadline="$6"; low="$7"; high="$8"; unit="$9"
            end=$(( $(date +%s) + deadline )); last="no answer"
            # Until the app listens, look every 50 ms (a fixed interval would add up to a second to every deploy);
            # once it answers HTTP, a failing answer is retried at the configured interval.
            while [ ! -S "$sock" ] && [ "$(date +%s)" -lt "$end" ] && systemctl is-active --quiet "$unit"; do sleep 0.05; done
            while :; do
              pause="$interval"
              if [ -S "$sock" ]; then
                if [ -z "$path" ]; then
                  if curl -s -o /dev/null --max-time "$timeout" --unix-socket "$sock" "http://$host/"; then echo "OK socket answers"; exit 0; fi
                  last="socket does not answer HTTP"
                else
                  out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time "$timeout" --unix-socket "$sock" -H "Host: $host" "http://$host$path") || true
                  code=${out%% *}; redirect=${out#* }
                  [ "${code:-000}" = 000 ] && pause=0.1
                  if [ "${code:-0}" -ge "$low" ] 2>/dev/null && [ "$code" -le "$high" ]; then echo "OK GET $path answered $code"; exit 0; fi
                  last="GET $path answered ${code:-nothing}${redirect:+ (redirect to $redirect)}, expected $low-$high"
                fi
              else
                last="nothing listens on $sock"
              fi
              if ! systemctl is-active --quiet "$unit"; then
                state=$(systemctl show -p ActiveState --value "$unit"); result=$(systemctl show -p Result --value "$unit")
                last="$last; the unit is not running ($state: $result)"
                # Failed for good (it crashed more often than its restart limit allows) or exited: waiting out the deadline cannot help.
                case "$state" in failed|inactive) echo "FAIL $last"; exit 1 ;; esac
              fi
              [ "$(date +%s)" -ge "$end" ] && { echo "FAIL $last (deadline ${deadline} s)"; exit 1; }
              sleep "$pause"
            done
            """, HostenvPaths.SlotSocket(user, slot), host, path, Str(interval), Str(timeout), Str(deadline), Str(expect.Low), Str(expect.High), AppUnit(user, slot)).AsRoot(),
            TimeSpan.FromSeconds(deadline + timeout + 30), ct);
        var line = r.Stdout.Trim().Split('\n').LastOrDefault() ?? "";
        var ok = r.Success && line.StartsWith("OK ", StringComparison.Ordinal);
        var detail = line.StartsWith("OK ", StringComparison.Ordinal) ? line[3..] : line.StartsWith("FAIL ", StringComparison.Ordinal) ? line[5..]
            : r.Stderr.Trim().Length > 0 ? r.Stderr.Trim() : "no answer";
        return new Health(ok, detail);
    }

    private static async Task DiscardAsync(SshNodeSession session, string user, string releaseDir, string? slot, CancellationToken ct)
    {
        // A failed release is removed at once; its slot link goes with it (the live slot is untouched).
        await session.RunAsync(RemoteCommand.Shell("""
            rm -rf "$1" "$1.partial"
            [ -n "$3" ] && [ "$(readlink "$2/slots/$3")" = "$1" ] && rm -f "$2/slots/$3"
            true
            """, releaseDir, HostenvPaths.Home(user), slot ?? "").AsRoot(), StepTimeout, ct);
    }

    private async Task RecordHistoryAsync(SshNodeSession session, string user, string release, string rev, string outcome, TimeSpan elapsed, CancellationToken ct)
    {
        var line = string.Join('\t', clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), release, rev, outcome,
            elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)) + "\n";
        await Run(session, "history", RemoteCommand.Shell("cat >> \"$1/deploys.log\"", EnvDir(user)).AsRoot(), ct, line);
    }

    /// <summary>Keeps the newest keepReleases good releases; never the current or the previous one.</summary>
    private static async Task RetainAsync(SshNodeSession session, string user, int keep, string current, string? previous, CancellationToken ct)
    {
        var history = await ReadHistoryAsync(session, user, ct);
        var good = history.Where(h => h.Outcome is "deployed" or "rollback").Select(h => h.Release).Reverse().Distinct(StringComparer.Ordinal).Take(keep).ToHashSet(StringComparer.Ordinal);
        good.Add(current);
        if (previous is not null)
        {
            good.Add(previous);
        }

        await Run(session, "retention", RemoteCommand.Shell("""
            cd "$1/releases" 2>/dev/null || exit 0
            shift
            for r in *; do
              [ -d "$r" ] || continue
              keep=no; for k in "$@"; do [ "$r" = "$k" ] && keep=yes; done
              [ "$keep" = yes ] || rm -rf -- "$r"
            done
            """, [HostenvPaths.Home(user), .. good.Order(StringComparer.Ordinal)]).AsRoot(), ct);
    }

    private static Task<CommandResult> AsUserAsync(SshNodeSession session, string user, string dir, string command, TimeSpan timeout, string log, CancellationToken ct) =>
        session.RunAsync(RemoteCommand.Shell("""
            user="$1"; dir="$2"; cmd="$3"; log="$4"
            printf '== %s\n' "$cmd" >> "$log"
            cd "$dir" || exit 1
            runuser -u "$user" -- env HOME="/home/$user" HOSTENV_RELEASE_DIR="$dir" sh -c "$cmd" >> "$log" 2>&1
            rc=$?
            tail -n 40 "$log"
            exit $rc
            """, user, dir, command, log).AsRoot().WithRemoteTimeout(timeout), timeout + TimeSpan.FromSeconds(30), ct);

    private void Step(SshNodeSession session, string user, string text)
    {
        progress($"{session.Target.Node}/{user}: {text}");
    }

    /// <summary>Every step lands in the node's journal for the environment and, through <see cref="OnJournal"/>, in the local one.</summary>
    private async Task JournalAsync(SshNodeSession session, string user, string step, string release, CancellationToken ct)
    {
        OnJournal?.Invoke(user, step, release);
        await session.RunAsync(RemoteCommand.Shell("printf '%s %s %s\\n' \"$(date +%s)\" \"$2\" \"$3\" >> \"$1/journal\"", EnvDir(user), step, release).AsRoot(), StepTimeout, ct);
    }

    private static async Task<CommandResult> Run(SshNodeSession session, string step, RemoteCommand command, CancellationToken ct, string? stdin = null)
    {
        var r = await session.RunAsync(command, StepTimeout, stdin, ct);
        return r.Success ? r : throw new DeployStepException(step, (r.Stderr + r.Stdout).Trim());
    }

    private EnvironmentResult Fail(string user, long started, string? release, string? rev, string error) =>
        new(user, EnvironmentOutcome.Failed, release, rev, error, Elapsed(started));

    private TimeSpan Elapsed(long started) => clock.GetElapsedTime(started);

    private const string ReleaseTimeFormat = "yyyyMMdd'T'HHmmss";

    /// <summary>
    /// A release is named by UTC time and rev. Names must be unique and sort in deploy order (rollback --list, retention
    /// and operators read them that way), so two deploys within one second, or a clock behind the node's newest release,
    /// take the second after the newest name present.
    /// </summary>
    public static string NextReleaseId(DateTimeOffset now, string rev, string? newest)
    {
        var time = new DateTimeOffset(now.UtcDateTime.Ticks - (now.UtcDateTime.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        if (newest is { Length: >= 15 } && DateTimeOffset.TryParseExact(newest[..15], ReleaseTimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var last) && last >= time)
        {
            time = last.AddSeconds(1);
        }

        return time.ToString(ReleaseTimeFormat, CultureInfo.InvariantCulture) + "-" + ShortRev(rev);
    }

    private static string ShortRev(string rev) => rev.StartsWith("tree-", StringComparison.Ordinal) ? rev[5..] : rev[..Math.Min(12, rev.Length)];

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Tail(string text, int lines) =>
        string.Join("\n", text.TrimEnd().Split('\n').TakeLast(lines).Select(l => "  | " + l));
}

internal static class CheckpointExtensions
{
    public static Task InvokeIfSet(this Func<string, CancellationToken, Task>? checkpoint, string point, CancellationToken ct) =>
        checkpoint is null ? Task.CompletedTask : checkpoint(point, ct);
}
