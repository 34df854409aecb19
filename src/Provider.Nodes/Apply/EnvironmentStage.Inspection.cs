using System.Security.Cryptography;
using System.Text;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Output;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Apply;

/// <summary>What deploy and its preview decide from: the node's state for an environment, the release fingerprint, whether it serves.</summary>
public sealed partial class EnvironmentStage
{
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
        var (state, fingerprint, inputs, missing, serving) = await InspectAsync(session, env, release, readOnly: true, ct);
        var seen = Seen(state, fingerprint, serving);
        var warning = missing.Count > 0 ? $" (declared secret(s) not set on the node: {string.Join(", ", missing)})" : "";
        var rev = ShortRev(release.Rev);
        if (state.Release is null)
        {
            return ($"+ {user}: first release (rev {rev}, {release.Files.Length} files){warning}", true, seen);
        }

        if (state.Fingerprint != fingerprint)
        {
            var reasons = ChangedInputs(state.Inputs, inputs, env.App?.Compose);
            var why = state.Rev != release.Rev ? $"rev {ShortRev(state.Rev ?? "")} -> {rev}" + (reasons is { Count: > 0 } ? ": " + string.Join(", ", reasons) : "")
                : state.Fingerprint == "rollback" ? $"rolled back to {state.Release}; the plan's rev {rev} comes back"
                : reasons is { Count: > 0 } ? "same rev: " + string.Join(", ", reasons)
                : "same rev; files, app settings, node overrides or secrets changed";
            return ($"~ {user}: new release replaces {state.Release} ({why}){warning}", true, seen);
        }

        return serving
            ? ($"  {user}: release {state.Release} is current and serving{warning}", false, seen)
            : ($"~ {user}: release {state.Release} is current but its service is not running: it would be started again{warning}", true, seen);
    }

    /// <summary>A sed program printing the variable names of a secrets file (never the values).</summary>
    public const string SecretNamesSed = "s/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p";

    /// <summary>The secret names an environment declares in its manifest.</summary>
    public static IEnumerable<string> DeclaredSecrets(EnvironmentPlan env) => env.Secrets;

    /// <summary>
    /// What deploy and its dry run decide from: the node's state for the environment, the release's fingerprint
    /// (with the node-side inputs), declared secrets missing on the node, and whether the planned release is the
    /// live one and its service runs (then there is nothing to do).
    /// </summary>
    private static async Task<(EnvironmentState State, string Fingerprint, string Inputs, IReadOnlyList<string> MissingSecrets, bool Serving)> InspectAsync(
        SshNodeSession session, EnvironmentPlan env, ReleaseFiles release, bool readOnly, CancellationToken ct)
    {
        var user = env.UserName;
        var app = env.App ?? throw new InvalidOperationException($"{user} has no app to inspect");
        var dropAgeFile = !Secrets.EncryptedSecretsInstall.Ships(env, release);
        var (state, extras, secretNames, active, composeOverride) = await ReadStateAsync(session, user, ct, readOnly, dropAgeFile);
        var missing = DeclaredSecrets(env).Except(secretNames, StringComparer.Ordinal).ToList();
        var fingerprint = Fingerprint(release, app, extras);
        var inputs = Inputs(release, app, extras, composeOverride);
        // A static site serves whenever its release is live; an app when its slot's unit runs (read in the same trip).
        var serving = state.Fingerprint == fingerprint && state.Release is not null && (!app.RunsInSlots || active.Contains(state.ServingSlot ?? "a"));
        return (state, fingerprint, inputs, missing, serving);
    }

    private static async Task<(EnvironmentState State, string Extras, string[] SecretNames, IReadOnlySet<string> ActiveSlots, string ComposeOverride)> ReadStateAsync(SshNodeSession session,
        string user, CancellationToken ct, bool readOnly = false, bool dropAgeFile = false)
    {
        // Extras: hashes of the node-side inputs of a release (operator overrides, secrets), so changing them redeploys.
        // Unless read-only (a dry run), the env state dir is created and the secrets file's owner and mode are made right,
        // and the decrypted age secrets of a release without ciphertext are removed. One trip also says which slots run.
        var r = await Run(session, "read state", ReadStateCommand(user, readOnly, dropAgeFile), ct);
        var lines = r.Stdout.Split('\n');
        var extras = lines.FirstOrDefault(l => l.StartsWith("extras=", StringComparison.Ordinal))?["extras=".Length..] ?? "";
        var names = (lines.FirstOrDefault(l => l.StartsWith("secretnames=", StringComparison.Ordinal))?["secretnames=".Length..] ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var active = Slots.Where(slot => lines.Contains($"active_{slot}=yes", StringComparer.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var composeOverride = lines.FirstOrDefault(l => l.StartsWith("composeoverride=", StringComparison.Ordinal))?["composeoverride=".Length..] ?? "";
        return (EnvironmentState.Parse(r.Stdout), extras, names, active, composeOverride);
    }

    /// <summary>
    /// The parts a release's fingerprint is made of, each hashed on its own and recorded in the state file at the switch,
    /// so that a dry run can say which changed: "source:… app:… overrides:… secrets:… composeoverride:…", and for a
    /// compose environment "compose:&lt;the compose file's sha256&gt;" (the source's hash then leaves that file out).
    /// Short hashes: they tell "changed" from "same", nothing more.
    /// </summary>
    private static string Inputs(ReleaseFiles release, AppPlan app, string extras, string composeOverride)
    {
        static string H(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        var part = extras.Split(' ').Select(p => p.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var source = H(string.Concat(release.Files.Where(f => f.Path != app.Compose?.File).Select(f => $"{f.Path}\0{f.Mode}\0{f.Sha256}\n")));
        var json = app.ToJson();
        if (json["compose"] is System.Text.Json.Nodes.JsonObject compose)
        {
            compose.Remove("fileSha256");
        }

        var parts = new List<string>
        {
            "source:" + source,
            "app:" + H(Encoding.UTF8.GetString(CanonicalJson.Serialize(json))),
            "overrides:" + H(part.GetValueOrDefault("overrides") ?? ""),
            "secrets:" + H(part.GetValueOrDefault("secrets") ?? ""),
            "composeoverride:" + H(composeOverride),
        };
        if (app.Compose is { } c)
        {
            parts.Add("compose:" + c.FileSha256);
        }

        return string.Join(' ', parts);
    }

    /// <summary>
    /// Why a new release would be made, from the inputs recorded at the last switch and the ones now; null when the
    /// node recorded none (a release switched before inputs were recorded, or a rollback).
    /// </summary>
    internal static List<string>? ChangedInputs(string? recorded, string now, ComposePlan? compose)
    {
        if (recorded is not { Length: > 0 })
        {
            return null;
        }

        static Dictionary<string, string> Parse(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split(':', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        var before = Parse(recorded);
        var after = Parse(now);
        bool Changed(string key) => before.GetValueOrDefault(key) != after.GetValueOrDefault(key);
        var reasons = new List<string>();
        if (compose is not null && Changed("compose"))
        {
            reasons.Add(before.GetValueOrDefault("compose") is { Length: >= 12 } old
                ? $"compose file {compose.File} changed (sha256 {old[..12]} -> {compose.FileSha256[..12]})"
                : $"compose file {compose.File} is new (sha256 {compose.FileSha256[..12]})");
        }

        if (Changed("source"))
        {
            reasons.Add(compose is null ? "source changed" : "other source files changed");
        }

        if (Changed("app"))
        {
            reasons.Add("app settings changed");
        }

        if (Changed("composeoverride"))
        {
            reasons.Add("the node's compose.override.yaml changed");
        }
        else if (Changed("overrides"))
        {
            reasons.Add("node overrides changed");
        }

        if (Changed("secrets"))
        {
            reasons.Add("secrets changed");
        }

        return reasons;
    }

    private static RemoteCommand ReadStateCommand(string user, bool readOnly, bool dropAgeFile) =>
        RemoteScripts.Command("env-read-state.sh", EnvDir(user), user, Provider.Planning.Render.NodeRenderer.SecretsRoot, HostenvPaths.Home(user), readOnly ? "yes" : "no",
            HostenvPaths.UpstreamSocket(user), HostenvPaths.SlotSocket(user, "a"), HostenvPaths.SlotSocket(user, "b"), SecretNamesSed,
            AppUnit(user, "a"), AppUnit(user, "b"), dropAgeFile ? "yes" : "no").AsRoot();

    /// <summary>
    /// The first node read of this environment's deploy, when it may be read ahead (in the node lock's trip, see
    /// <see cref="SshNodeSession.CarryReadAhead"/>): null when its deploy changes the node before that read (age
    /// ciphertext is installed first) or has nothing to read.
    /// </summary>
    public static RemoteCommand? ReadAheadOfDeploy(EnvironmentPlan env, ReleaseFiles release) =>
        env.App is { ShipsRelease: true } && !Secrets.EncryptedSecretsInstall.Ships(env, release)
            ? ReadStateCommand(env.UserName, readOnly: false, dropAgeFile: true)
            : null;

    private static readonly string[] Slots = ["a", "b"];

    private static string Fingerprint(ReleaseFiles release, AppPlan app, string extras)
    {
        var json = app.ToJson();
        if (app.Compose is null)
        {
            // app.compose came later: without it, a release keeps the fingerprint it was deployed with.
            json.Remove("compose");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(release.TreeHash + "\n" + release.Rev + "\n" + extras + "\n"
            + Encoding.UTF8.GetString(CanonicalJson.Serialize(json)))));
    }
}
