using System.Globalization;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
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

    /// <summary>The live release's inputs, hashed one by one at its switch (what a dry run compares to say why a release would be made); null before they were recorded.</summary>
    public string? Inputs { get; init; }

    public static EnvironmentState Parse(string text)
    {
        var values = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1].Trim(), StringComparer.Ordinal);
        string? V(string key) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
        return new EnvironmentState(V("release"), V("slot"), V("fingerprint"), V("rev"), V("previous")) { NewestRelease = V("newest"), Built = V("built"), LiveSlot = V("live"), Inputs = V("inputs") };
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
public sealed partial class EnvironmentStage(Action<string> progress, TimeProvider clock)
{
    public const string EnvsRoot = HostenvPaths.EnvsRoot;
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

    /// <summary>
    /// Called just before a built release goes live (before preDeploy, then start and health check) with the environment's
    /// user; a message back fails the environment and discards the release. A move stops the old node and makes its final
    /// copy here, so the data is in place and the build is outside the window in which the environment is unavailable.
    /// </summary>
    public Func<string, CancellationToken, Task<string?>>? BeforeActivate { get; init; }

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

        if (app.Compose is { } plannedCompose && ComposeFileProblem(plannedCompose, release) is { } composeRefused)
        {
            return Fail(user, started, null, release.Rev, composeRefused);
        }

        if (await Secrets.EncryptedSecretsInstall.ApplyAsync(session, env, release, checkOnly: false, ct) is { } secretsRefused)
        {
            return Fail(user, started, null, release.Rev, secretsRefused);
        }

        var (state, fingerprint, inputs, missing, serving) = await InspectAsync(session, env, release, readOnly: false, ct);
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
            return await PreDeployAndActivateAsync(session, env, release.Rev, builtId, fingerprint, inputs, state, started, ct);
        }

        var releaseId = NextReleaseId(clock.GetUtcNow(), release.Rev, state.NewestRelease);
        var releaseDir = $"{HostenvPaths.Home(user)}/releases/{releaseId}";
        await JournalAsync(session, user, "start", releaseId, ct);
        try
        {
            var sent = await UploadBlobsAsync(session, release, ct);
            Step(session, user, $"release {releaseId} ({release.Origin}): {release.Files.Length} files, sent {sent.Count} blob(s), {sent.Bytes:N0} bytes");
            var overlaid = await AssembleAsync(session, user, env, release, releaseDir, ct);
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

            if (app.Compose is { } compose)
            {
                await ComposeBuildAsync(session, env, compose, release, releaseId, releaseDir, ct);
            }

            // Nothing but the assembly wrote the tree: its manifest is the source's file list (no re-hash on the node).
            var known = app.Build.Length == 0 && !overlaid ? ReleaseManifest.Of(release.Files, app.SharedDirs) : null;
            await ReleaseManifest.RecordAsync(session, user, releaseId, ct, known, fingerprint);
            await JournalAsync(session, user, "built", releaseId, ct);
            await Checkpoint.InvokeIfSet("built", ct);
            return await PreDeployAndActivateAsync(session, env, release.Rev, releaseId, fingerprint, inputs, state, started, ct);
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

    /// <summary>The preDeploy hook (a failure discards the release before anything switches), then the switch.</summary>
    private async Task<EnvironmentResult> PreDeployAndActivateAsync(SshNodeSession session, EnvironmentPlan env, string rev, string releaseId, string fingerprint, string inputs,
        EnvironmentState state, long started, CancellationToken ct)
    {
        var user = env.UserName;
        var releaseDir = $"{HostenvPaths.Home(user)}/releases/{releaseId}";
        if (BeforeActivate is not null && await BeforeActivate(user, ct) is { } refused)
        {
            await DiscardAsync(session, user, releaseDir, null, ct);
            return Fail(user, started, releaseId, rev, refused);
        }

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

            return await ActivateAsync(session, env, rev, releaseId, fingerprint, state, started, ct, inputs: inputs);
        }
        catch (DeployStepException ex)
        {
            await DiscardAsync(session, user, releaseDir, null, ct);
            return Fail(user, started, releaseId, rev, ex.Message);
        }
    }

    private void Step(SshNodeSession session, string user, string text)
    {
        progress($"{session.Target.Node}/{user}: {text}");
    }

    /// <summary>Every step lands in the node's journal for the environment and, through <see cref="OnJournal"/>, in the local one.</summary>
    private async Task JournalAsync(SshNodeSession session, string user, string step, string release, CancellationToken ct)
    {
        OnJournal?.Invoke(user, step, release);
        await session.RunAsync(RemoteScripts.Command("env-journal.sh", EnvDir(user), step, release).AsRoot(), StepTimeout, ct);
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
