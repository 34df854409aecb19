using System.Collections.Immutable;
using System.Formats.Tar;
using System.Text.Json.Nodes;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Render;

namespace Provider.Nodes.Apply;

public enum SystemOutcome
{
    UpToDate,
    Activated,
    RolledBack,
    Failed,
}

/// <summary>
/// What `deploy --dry-run` and deploy's confirmation show for a node's system stage, and the node's current
/// generation they saw ("" when none): deploy after "yes" refuses a node whose current generation moved since.
/// </summary>
public sealed record SystemPreview(ImmutableArray<string> Lines, string Current, bool Changes);

public sealed record SystemStageResult(string Node, SystemOutcome Outcome, string? FromGeneration, string ToGeneration, ImmutableArray<string> Steps, string? Error);

public sealed class DeployStepException(string step, string message) : Exception($"{step}: {message}")
{
    public string Step { get; } = step;
}

/// <summary>
/// The system stage of DESIGN §7 on one node: a content-addressed generation under
/// /var/lib/hostenv/generations, validated before anything switches, activated by one atomic rename of
/// the `current` link, guarded by a watchdog that rolls back unless a fresh connection confirms.
/// Every failure before the switch leaves the node on its old generation untouched.
/// </summary>
public sealed class SystemStage(Func<CancellationToken, Task<SshNodeSession>> reconnect, TimeSpan confirmTimeout, bool magicRollback, Action<string> progress)
{
    private const string Root = GenerationHistory.Root;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Called after each of the stage's commit points ("uploaded", "switched") with the session in use: the
    /// fault tests cut the real SSH connection here. Production code leaves it null.
    /// </summary>
    public Func<string, SshNodeSession, CancellationToken, Task>? Checkpoint { get; init; }

    /// <summary>Prints the node's current generation id (deploy reads it ahead, in the lock's trip).</summary>
    public static RemoteCommand ReadCurrentCommand { get; } = RemoteScripts.Command("sys-read-current.sh").AsRoot();

    /// <summary>Brings the node to <paramref name="generation"/>; <paramref name="reason"/> is what the node's switch.log records (deploy, rollback).</summary>
    /// <param name="expectedCurrent">The current generation a confirmed preview saw ("" for none); when the node's differs, nothing is changed.</param>
    public async Task<SystemStageResult> ApplyAsync(SshNodeSession session, NodeGeneration generation, CancellationToken ct, string reason = "deploy", string? expectedCurrent = null)
    {
        var steps = ImmutableArray.CreateBuilder<string>();
        void Step(string text)
        {
            steps.Add(text);
            progress($"{generation.Node}: {text}");
        }

        var current = (await Run(session, "read current", ReadCurrentCommand, ct)).Stdout.Trim();
        if (expectedCurrent is not null && current != expectedCurrent)
        {
            var error = $"the node changed since the preview you confirmed: its generation is now {Describe(current)} (the preview saw {Describe(expectedCurrent)}); nothing was changed, run the command again to see what it would do now";
            Step(error);
            return new SystemStageResult(generation.Node, SystemOutcome.Failed, current, generation.Id, steps.ToImmutable(), error);
        }

        if (current == generation.Id)
        {
            Step($"generation {GenerationHistory.Short(generation.Id)} is already current: nothing to do");
            return new SystemStageResult(generation.Node, SystemOutcome.UpToDate, current, generation.Id, steps.ToImmutable(), null);
        }

        try
        {
            var uploaded = await UploadAsync(session, generation, current, ct);
            Step($"generation {GenerationHistory.Short(generation.Id)}: {uploaded}");
            await ValidateAsync(session, generation, ct);
            Step("nginx -t accepted the new configuration");
            if (Checkpoint is not null)
            {
                await Checkpoint("uploaded", session, ct);
            }

            await UsersAsync(session, generation, ct);
            Step("users and groups match the reserved UIDs");
        }
        catch (NodeConnectionException ex)
        {
            Step("connection lost before switching; the node stays on " + (current.Length == 0 ? "its unmanaged state" : GenerationHistory.Short(current)) + "; re-run deploy to finish");
            return new SystemStageResult(generation.Node, SystemOutcome.Failed, current, generation.Id, steps.ToImmutable(), ex.Message);
        }
        catch (DeployStepException ex)
        {
            Step("stopped before switching; the node stays on " + (current.Length == 0 ? "its unmanaged state" : GenerationHistory.Short(current)));
            return new SystemStageResult(generation.Node, SystemOutcome.Failed, current, generation.Id, steps.ToImmutable(), ex.Message);
        }

        var watchdog = "hostenv-rollback-" + GenerationHistory.Short(generation.Id);
        if (magicRollback)
        {
            // Detached from this SSH session (see the script).
            await Run(session, "arm watchdog", RemoteScripts.Command("sys-arm-watchdog.sh", watchdog, ((int)confirmTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), generation.Id, current).AsRoot(), ct);
            Step($"watchdog armed: rolls back to {(current.Length == 0 ? "the unmanaged state" : GenerationHistory.Short(current))} in {confirmTimeout.TotalSeconds:0} s unless confirmed");
        }

        try
        {
            await Run(session, "activate", RemoteScripts.Command("sys-activate.sh", generation.Id, reason).AsRoot(), ct);
            Step($"switched current to {GenerationHistory.Short(generation.Id)}; units reloaded; nginx reloaded");
            if (Checkpoint is not null)
            {
                await Checkpoint("switched", session, ct);
            }
        }
        catch (NodeConnectionException ex)
        {
            // The switch may or may not have happened: a fresh connection tells (and confirms if it did).
            Step("connection lost during activation (" + ex.Message + "); checking over a fresh connection");
        }
        catch (DeployStepException ex)
        {
            if (magicRollback)
            {
                // Do not wait for the timer: run the rollback now (it is the same unit the timer would start).
                var now = await session.RunAsync(RemoteCommand.Shell("systemctl start \"$1.service\"", watchdog).AsRoot(), StepTimeout, ct);
                Step("activation failed: " + ex.Message + (now.Success ? "; rolled back to the previous generation" : "; the watchdog will restore the previous generation"));
            }
            else
            {
                Step("activation failed: " + ex.Message);
            }

            return new SystemStageResult(generation.Node, magicRollback ? SystemOutcome.RolledBack : SystemOutcome.Failed, current, generation.Id, steps.ToImmutable(), ex.Message);
        }

        // From here on only fresh connections: the one that did the switch may be gone (that is what magic rollback is for).
        await using var fresh = await ConfirmAsync(watchdog, generation.Id, magicRollback, ct);
        if (fresh is null)
        {
            Step(magicRollback
                ? "no confirmation over a fresh connection: the node rolls itself back"
                : "the node did not answer over a fresh connection after the switch (magic rollback is off: it stays on the new generation)");
            return new SystemStageResult(generation.Node, magicRollback ? SystemOutcome.RolledBack : SystemOutcome.Failed, current, generation.Id, steps.ToImmutable(), "confirmation failed");
        }

        Step(magicRollback ? "confirmed over a fresh connection; watchdog disarmed" : "the node answers over a fresh connection; recorded");
        try
        {
            var expired = (await GenerationHistory.ReadAsync(fresh, ct)).Expired();
            if (!expired.IsEmpty)
            {
                await Run(fresh, "retention", RemoteScripts.Command("sys-retention.sh", [.. expired]).AsRoot(), ct);
                Step($"retention: removed {expired.Length} old generation(s), keeping the newest {GenerationHistory.Keep}, the current one and the rollback target");
            }
        }
        catch (Exception ex) when (ex is DeployStepException or NodeConnectionException)
        {
            Step("retention skipped: " + ex.Message);
        }

        return new SystemStageResult(generation.Node, SystemOutcome.Activated, current, generation.Id, steps.ToImmutable(), null);
    }

    /// <summary>
    /// A fresh connection proves sshd still lets us in; nginx must be active; then the watchdog is stopped and
    /// the confirmation recorded in switch.log. Returns the fresh session (the caller disposes it), or null.
    /// </summary>
    private async Task<SshNodeSession?> ConfirmAsync(string watchdog, string generationId, bool disarm, CancellationToken ct)
    {
        SshNodeSession? fresh = null;
        try
        {
            fresh = await reconnect(ct);
            // Under the switch lock: still on the new generation (the watchdog has not fired), nginx up; then
            // stop the timer and a rollback service that may already be queued behind the lock.
            var r = await fresh.RunAsync(RemoteScripts.Command("sys-confirm.sh", watchdog, generationId, disarm ? "yes" : "no").AsRoot(), StepTimeout, ct);
            if (r.Success && r.Stdout.Contains("confirmed", StringComparison.Ordinal))
            {
                return fresh;
            }
        }
        catch (NodeConnectionException)
        {
        }

        if (fresh is not null)
        {
            await fresh.DisposeAsync();
        }

        return null;
    }

    /// <summary>Only files the node lacks travel: unchanged ones are copied from the current generation on the node.</summary>
    private static async Task<string> UploadAsync(SshNodeSession session, NodeGeneration generation, string current, CancellationToken ct)
    {
        var dir = $"{Root}/generations/{generation.Id}";
        if ((await Run(session, "check generation", RemoteCommand.Shell("test -f \"$1/.complete\" && echo yes || true", dir).AsRoot(), ct)).Stdout.Trim() == "yes")
        {
            return "already on the node";
        }

        var have = ImmutableHashSet<string>.Empty;
        if (current.Length > 0)
        {
            var manifest = await Run(session, "read manifest", RemoteCommand.Shell("cat \"$1/generations/$2/manifest.json\" 2>/dev/null || true", Root, current).AsRoot(), ct);
            if (JsonNode.Parse(manifest.Stdout.Length == 0 ? "{}" : manifest.Stdout)?["files"] is JsonObject files)
            {
                have = [.. files.Where(f => f.Value?["sha256"]?.GetValue<string>() is { } sha
                    && generation.Files.Any(g => g.Path == f.Key && g.Sha256 == sha)).Select(f => f.Key)];
            }
        }

        var send = generation.Files.Where(f => !have.Contains(f.Path)).ToList();
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var f in send)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, f.Path)
                {
                    DataStream = new MemoryStream(f.Content),
                    Mode = (UnixFileMode)Convert.ToInt32(f.Mode, 8),
                };
                writer.WriteEntry(entry);
            }
        }

        tar.Position = 0;
        var staging = $"/tmp/hostenv-gen-{generation.Id[..16]}.tar";
        await session.UploadAsync(tar, staging, UnixFileMode.UserRead | UnixFileMode.UserWrite, ct);
        await Run(session, "unpack generation", RemoteScripts.Command("sys-unpack.sh", [Root, generation.Id, current.Length == 0 ? "none" : current, staging, .. have.Order(StringComparer.Ordinal)]).AsRoot(), ct);
        return $"uploaded {send.Count} file(s) ({send.Sum(f => f.Content.Length):N0} bytes), reused {have.Count} from the current generation";
    }

    /// <summary>nginx -t against the new tree (with placeholder certificates where none exist yet) before anything switches.</summary>
    private static async Task ValidateAsync(SshNodeSession session, NodeGeneration generation, CancellationToken ct)
    {
        var r = await session.RunAsync(RemoteScripts.Command("sys-validate.sh", $"{Root}/generations/{generation.Id}", NodeRenderer.CertRoot).AsRoot(), StepTimeout, ct);
        if (!r.Success)
        {
            throw new DeployStepException("validate", "nginx rejected the new configuration, nothing was switched:\n" + (r.Stderr + r.Stdout).Trim());
        }
    }

    /// <summary>Creates missing users/groups with their reserved UIDs; a UID or name held by another account stops the node.</summary>
    private static async Task UsersAsync(SshNodeSession session, NodeGeneration generation, CancellationToken ct)
    {
        var usersFile = generation.Files.Single(f => f.Path == "users/users.json");
        var users = JsonNode.Parse(usersFile.Content)?["users"] as JsonObject ?? [];
        foreach (var (name, user) in users)
        {
            var uid = user?["uid"]?.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? throw new DeployStepException("users", $"user {name} has no uid");
            var keys = string.Join("\n", (user?["openssh"]?["authorizedKeys"]?["keys"] as JsonArray ?? []).Select(k => k?.GetValue<string>()));
            var r = await session.RunAsync(RemoteScripts.Command("sys-users.sh", name, uid, user?["home"]?.GetValue<string>() ?? "/home/" + name, keys,
                user?["homeMode"]?.GetValue<string>() ?? "0750", user?["homeGroup"]?.GetValue<string>() ?? "").AsRoot(), StepTimeout, ct);
            if (!r.Success)
            {
                throw new DeployStepException("users", r.Stderr.Trim().Length > 0 ? r.Stderr.Trim() : $"could not set up user {name}");
            }
        }
    }

    /// <summary>
    /// What a deploy would change on the node, read-only: files added/changed/removed against the current
    /// generation's manifest, units among them, users to create. Touches nothing.
    /// </summary>
    private static string Describe(string generation) => generation.Length == 0 ? "none" : GenerationHistory.Short(generation);

    public static async Task<SystemPreview> PreviewAsync(SshNodeSession session, NodeGeneration generation, CancellationToken ct)
    {
        var names = (JsonNode.Parse(generation.Files.Single(f => f.Path == "users/users.json").Content)?["users"] as JsonObject ?? []).Select(u => u.Key).ToList();
        var r = await Run(session, "preview", RemoteScripts.Command("sys-preview.sh", [.. names]).AsRoot(), ct);
        var (head, manifest) = r.Stdout.IndexOf("---\n", StringComparison.Ordinal) is var i and >= 0 ? (r.Stdout[..i], r.Stdout[(i + 4)..]) : (r.Stdout, "");
        var current = head.Split('\n').FirstOrDefault(l => l.StartsWith("current ", StringComparison.Ordinal))?["current ".Length..] ?? "none";
        var existing = head.Split('\n').Where(l => l.StartsWith("user ", StringComparison.Ordinal)).Select(l => l[5..]).ToHashSet(StringComparer.Ordinal);
        var seen = current == "none" ? "" : current;
        if (current == generation.Id)
        {
            return new SystemPreview([$"up to date ({GenerationHistory.Short(generation.Id)})"], seen, false);
        }

        var old = (manifest.Trim().Length > 0 ? JsonNode.Parse(manifest)?["files"] as JsonObject : null) ?? [];
        var oldFiles = old.ToDictionary(f => f.Key, f => f.Value?["sha256"]?.GetValue<string>() ?? "", StringComparer.Ordinal);
        var newFiles = generation.Files.Where(f => f.Path != "manifest.json").ToDictionary(f => f.Path, f => f.Sha256, StringComparer.Ordinal);
        var lines = ImmutableArray.CreateBuilder<string>();
        lines.Add($"would activate {GenerationHistory.Short(generation.Id)} (now {(current == "none" ? "none" : GenerationHistory.Short(current))})");
        foreach (var path in newFiles.Keys.Union(oldFiles.Keys).Order(StringComparer.Ordinal))
        {
            var mark = !oldFiles.TryGetValue(path, out var o) ? "+" : !newFiles.TryGetValue(path, out var n) ? "-" : o == n ? null : "~";
            if (mark is not null)
            {
                lines.Add($"  {mark} {path}{(path.StartsWith("systemd/", StringComparison.Ordinal) ? (mark == "-" ? "  (unit stops)" : "  (unit (re)starts)") : "")}");
            }
        }

        lines.AddRange(names.Where(u => !existing.Contains(u)).Order(StringComparer.Ordinal).Select(u => $"  + user {u}"));
        return new SystemPreview(lines.ToImmutable(), seen, true);
    }

    /// <summary>A generation already on the node, for rollback: only its users file is needed (nothing is uploaded).</summary>
    public static async Task<NodeGeneration> FromNodeAsync(SshNodeSession session, string node, string id, CancellationToken ct)
    {
        var users = await Run(session, "read generation", RemoteCommand.Shell("cat \"$1/generations/$2/users/users.json\"", Root, id).AsRoot(), ct);
        return new NodeGeneration(node, id, [new GeneratedFile("users/users.json", System.Text.Encoding.UTF8.GetBytes(users.Stdout), "0644")]);
    }

    private static async Task<CommandResult> Run(SshNodeSession session, string step, RemoteCommand command, CancellationToken ct)
    {
        var r = await session.RunAsync(command, StepTimeout, ct);
        return r.Success ? r : throw new DeployStepException(step, (r.Stderr + r.Stdout).Trim());
    }

}
