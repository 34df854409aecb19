using System.Collections.Immutable;
using System.Formats.Tar;
using System.Text.Json.Nodes;
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
    private const string Root = "/var/lib/hostenv";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);

    public async Task<SystemStageResult> ApplyAsync(SshNodeSession session, NodeGeneration generation, CancellationToken ct)
    {
        var steps = ImmutableArray.CreateBuilder<string>();
        void Step(string text)
        {
            steps.Add(text);
            progress($"{generation.Node}: {text}");
        }

        var current = (await Run(session, "read current", RemoteCommand.Shell("basename \"$(readlink /var/lib/hostenv/current 2>/dev/null)\" 2>/dev/null || true").AsRoot(), ct)).Stdout.Trim();
        if (current == generation.Id)
        {
            Step($"generation {Short(generation.Id)} is already current: nothing to do");
            return new SystemStageResult(generation.Node, SystemOutcome.UpToDate, current, generation.Id, steps.ToImmutable(), null);
        }

        try
        {
            var uploaded = await UploadAsync(session, generation, current, ct);
            Step($"generation {Short(generation.Id)}: {uploaded}");
            await ValidateAsync(session, generation, ct);
            Step("nginx -t accepted the new configuration");
            await UsersAsync(session, generation, ct);
            Step("users and groups match the reserved UIDs");
        }
        catch (DeployStepException ex)
        {
            Step("stopped before switching; the node stays on " + (current.Length == 0 ? "its unmanaged state" : Short(current)));
            return new SystemStageResult(generation.Node, SystemOutcome.Failed, current, generation.Id, steps.ToImmutable(), ex.Message);
        }

        var watchdog = "hostenv-rollback-" + Short(generation.Id);
        if (magicRollback)
        {
            // Detached from this SSH session: systemd runs it even if the connection (or this tool) dies.
            await Run(session, "arm watchdog", RemoteCommand.Shell(
                "rm -f /var/lib/hostenv/rolled-back-\"$3\"; systemctl stop \"$1.timer\" \"$1.service\" 2>/dev/null || true; " +
                "systemd-run --quiet --unit=\"$1\" --on-active=\"$2\" /bin/sh /var/lib/hostenv/generations/\"$3\"/libexec/hostenv-switch \"$4\" --rollback-of \"$3\"",
                watchdog, ((int)confirmTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), generation.Id, current).AsRoot(), ct);
            Step($"watchdog armed: rolls back to {(current.Length == 0 ? "the unmanaged state" : Short(current))} in {confirmTimeout.TotalSeconds:0} s unless confirmed");
        }

        try
        {
            await Run(session, "activate", RemoteCommand.Shell("/bin/sh /var/lib/hostenv/generations/\"$1\"/libexec/hostenv-switch \"$1\"", generation.Id).AsRoot(), ct);
            Step($"switched current to {Short(generation.Id)}; units reloaded; nginx reloaded");
        }
        catch (Exception ex) when (ex is DeployStepException or NodeConnectionException)
        {
            Step("activation failed: " + ex.Message + (magicRollback ? "; the watchdog will restore the previous generation" : ""));
            return new SystemStageResult(generation.Node, magicRollback ? SystemOutcome.RolledBack : SystemOutcome.Failed, current, generation.Id, steps.ToImmutable(), ex.Message);
        }

        if (magicRollback && !await ConfirmAsync(watchdog, generation.Id, ct))
        {
            Step("no confirmation over a fresh connection: the node rolls itself back");
            return new SystemStageResult(generation.Node, SystemOutcome.RolledBack, current, generation.Id, steps.ToImmutable(), "confirmation failed");
        }

        if (magicRollback)
        {
            Step("confirmed over a fresh connection; watchdog disarmed");
        }

        return new SystemStageResult(generation.Node, SystemOutcome.Activated, current, generation.Id, steps.ToImmutable(), null);
    }

    /// <summary>A fresh connection proves sshd still lets us in; nginx must be active; then the watchdog is stopped.</summary>
    private async Task<bool> ConfirmAsync(string watchdog, string generationId, CancellationToken ct)
    {
        try
        {
            await using var fresh = await reconnect(ct);
            // Under the switch lock: still on the new generation (the watchdog has not fired), nginx up; then
            // stop the timer and a rollback service that may already be queued behind the lock.
            var r = await fresh.RunAsync(RemoteCommand.Shell("""
                exec 9>/var/lib/hostenv/switch.lock; flock 9
                [ "$(readlink /var/lib/hostenv/current)" = "generations/$2" ] || exit 4
                systemctl is-active --quiet nginx || exit 5
                systemctl stop "$1.timer" "$1.service" 2>/dev/null || true
                echo confirmed
                """, watchdog, generationId).AsRoot(), StepTimeout, ct);
            return r.Success && r.Stdout.Contains("confirmed", StringComparison.Ordinal);
        }
        catch (NodeConnectionException)
        {
            return false;
        }
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
        await Run(session, "unpack generation", RemoteCommand.Shell("""
            set -e
            root="$1"; id="$2"; cur="$3"; tar="$4"; shift 4
            part="$root/generations/$id.partial"
            rm -rf "$part"; mkdir -p "$part"
            for f in "$@"; do mkdir -p "$part/$(dirname "$f")"; cp -p "$root/generations/$cur/$f" "$part/$f"; done
            tar -xf "$tar" -C "$part" --no-same-owner
            rm -f "$tar"
            touch "$part/.complete"
            rm -rf "$root/generations/$id"; mv "$part" "$root/generations/$id"
            """, [Root, generation.Id, current.Length == 0 ? "none" : current, staging, .. have.Order(StringComparer.Ordinal)]).AsRoot(), ct);
        return $"uploaded {send.Count} file(s) ({send.Sum(f => f.Content.Length):N0} bytes), reused {have.Count} from the current generation";
    }

    /// <summary>nginx -t against the new tree (with placeholder certificates where none exist yet) before anything switches.</summary>
    private static async Task ValidateAsync(SshNodeSession session, NodeGeneration generation, CancellationToken ct)
    {
        var r = await session.RunAsync(RemoteCommand.Shell("""
            set -e
            gen="$1"; certs="$2"
            for c in $(sed -n 's/^ *ssl_certificate \(.*\)\/fullchain.pem;$/\1/p' "$gen"/nginx/*.conf | sort -u); do
              if [ ! -f "$c/fullchain.pem" ]; then
                mkdir -p "$c"
                openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=hostenv placeholder" \
                  -keyout "$c/key.pem" -out "$c/fullchain.pem" >/dev/null 2>&1
                chmod 600 "$c/key.pem"; touch "$c/placeholder"
              fi
            done
            test -d "$certs" || mkdir -p "$certs"
            cat > "$gen/nginx-test.conf" <<EOF
            user www-data;
            pid /run/hostenv-nginx-test.pid;
            error_log stderr;
            events {}
            http {
                include /etc/nginx/mime.types;
                include $gen/nginx/*.conf;
            }
            EOF
            nginx -t -q -c "$gen/nginx-test.conf"
            """, $"{Root}/generations/{generation.Id}", NodeRenderer.CertRoot).AsRoot(), StepTimeout, ct);
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
            var r = await session.RunAsync(RemoteCommand.Shell("""
                set -e
                name="$1"; uid="$2"; home="$3"; keys="$4"
                if getent passwd "$name" >/dev/null; then
                  have=$(id -u "$name")
                  [ "$have" = "$uid" ] || { echo "user $name exists with uid $have, but its reserved uid is $uid" >&2; exit 3; }
                else
                  other=$(getent passwd "$uid" | cut -d: -f1 || true)
                  [ -z "$other" ] || { echo "uid $uid is reserved for $name but belongs to $other on this node" >&2; exit 3; }
                  othergroup=$(getent group "$uid" | cut -d: -f1 || true)
                  [ -z "$othergroup" ] || [ "$othergroup" = "$name" ] || { echo "gid $uid is reserved for $name but belongs to group $othergroup" >&2; exit 3; }
                  getent group "$name" >/dev/null || groupadd -g "$uid" "$name"
                  useradd -u "$uid" -g "$uid" -d "$home" -m -s /bin/bash "$name"
                  chmod 0750 "$home"
                fi
                usermod -U "$name" 2>/dev/null || true
                install -d -m 0700 -o "$name" -g "$name" "$home/.ssh"
                printf '%s\n' "$keys" > "$home/.ssh/authorized_keys.new"
                chown "$name:$name" "$home/.ssh/authorized_keys.new"; chmod 0600 "$home/.ssh/authorized_keys.new"
                mv "$home/.ssh/authorized_keys.new" "$home/.ssh/authorized_keys"
                """, name, uid, user?["home"]?.GetValue<string>() ?? "/home/" + name, keys).AsRoot(), StepTimeout, ct);
            if (!r.Success)
            {
                throw new DeployStepException("users", r.Stderr.Trim().Length > 0 ? r.Stderr.Trim() : $"could not set up user {name}");
            }
        }
    }

    private static async Task<CommandResult> Run(SshNodeSession session, string step, RemoteCommand command, CancellationToken ct)
    {
        var r = await session.RunAsync(command, StepTimeout, ct);
        return r.Success ? r : throw new DeployStepException(step, (r.Stderr + r.Stdout).Trim());
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;
}
