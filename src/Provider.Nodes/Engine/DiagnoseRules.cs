using System.Collections.Immutable;
using System.Globalization;
using Provider.Nodes.Apply;
using Provider.Nodes.Fleet;
using Provider.Nodes.Locking;
using Provider.Planning.Plan;

namespace Provider.Nodes.Engine;

/// <summary>What the rules need to know besides the node's facts: names, how to reach the node, the measured clock skew.</summary>
public sealed record DiagnoseContext(string Node, string Ssh, ImmutableSortedDictionary<string, EnvironmentPlan> Environments, double? SkewSeconds, DateTimeOffset Now);

/// <summary>
/// The findings rules (pure): node facts in, findings out, each with what was seen and the command that deals with it.
/// Thresholds are the issue's: disk and inodes above 85 % (above 95 % an error), certificates within 14 days.
/// </summary>
public static class DiagnoseRules
{
    public const double DiskWarnPercent = 85;
    public const double DiskErrorPercent = 95;
    public const double MemoryWarnAvailablePercent = 10;
    public const double MemoryErrorAvailablePercent = 5;
    public const double PressureWarnAvg60 = 10;
    public static readonly TimeSpan CertificateWarning = TimeSpan.FromDays(14);
    public static readonly TimeSpan SkewWarning = TimeSpan.FromSeconds(5);
    public const int RestartLoopRestarts = 3;

    public static ImmutableArray<DiagnoseFinding> Evaluate(NodeFacts facts, DiagnoseContext context)
    {
        var findings = ImmutableArray.CreateBuilder<DiagnoseFinding>();
        var node = context.Node;
        var ssh = context.Ssh;
        void Add(DiagnoseSeverity severity, string? env, string check, string seen, string recommendation, IEnumerable<string>? lines = null) =>
            findings.Add(new DiagnoseFinding(severity, node, env, check, seen, recommendation) { Lines = [.. lines ?? []] });

        if (!facts.Complete)
        {
            Add(DiagnoseSeverity.Error, null, DiagnoseChecks.Incomplete, "the node's report was cut off; the findings below use what arrived",
                $"run `hostenv-provider diagnose --node {node}` again; if it repeats, check the node's load (`{ssh} uptime`)");
        }

        foreach (var fs in facts.Filesystems.Where(f => f.Size > 0))
        {
            var used = 100.0 * (fs.Size - fs.Available) / fs.Size;
            if (used > DiskWarnPercent)
            {
                Add(used > DiskErrorPercent ? DiagnoseSeverity.Error : DiagnoseSeverity.Warning, null, DiagnoseChecks.Disk,
                    $"{fs.Target}: {Pct(used)} used ({Bytes(fs.Available)} free of {Bytes(fs.Size)})",
                    $"see what fills it: `{ssh} sudo du -xh --max-depth=2 {fs.Target} | sort -h | tail`; old releases go with a lower app.keepReleases, logs with `sudo journalctl --vacuum-size=200M`");
            }

            if (fs.Inodes > 0)
            {
                var iused = 100.0 * (fs.Inodes - fs.InodesFree) / fs.Inodes;
                if (iused > DiskWarnPercent)
                {
                    Add(iused > DiskErrorPercent ? DiagnoseSeverity.Error : DiagnoseSeverity.Warning, null, DiagnoseChecks.Inodes,
                        $"{fs.Target}: {Pct(iused)} of inodes used ({fs.InodesFree.ToString(CultureInfo.InvariantCulture)} free of {fs.Inodes.ToString(CultureInfo.InvariantCulture)})",
                        $"find the directories with many small files: `{ssh} sudo du -x --inodes --max-depth=3 {fs.Target} | sort -n | tail`");
                }
            }
        }

        if (facts.MemTotalKb is > 0 and var total && facts.MemAvailableKb is { } available)
        {
            var free = 100.0 * available / total;
            if (free < MemoryWarnAvailablePercent)
            {
                Add(free < MemoryErrorAvailablePercent ? DiagnoseSeverity.Error : DiagnoseSeverity.Warning, null, DiagnoseChecks.Memory,
                    $"memory: {Pct(free)} available ({Bytes(available * 1024)} of {Bytes(total * 1024)})",
                    $"see which environment uses it: `{ssh} systemd-cgtop -m -n 1`; lower resources.memoryMax of the largest or move an environment to another node");
            }
        }

        if (facts.PressureAvg60 is > PressureWarnAvg60 and var pressure)
        {
            Add(DiagnoseSeverity.Warning, null, DiagnoseChecks.Memory,
                $"memory pressure: tasks stalled waiting for memory {pressure.ToString("0.##", CultureInfo.InvariantCulture)} % of the last minute",
                $"see which environment uses it: `{ssh} systemd-cgtop -m -n 1`");
        }

        foreach (var unit in facts.FailedUnits)
        {
            Add(DiagnoseSeverity.Error, EnvironmentOfUnit(context, unit), DiagnoseChecks.FailedUnit, $"unit {unit} has failed",
                $"read why: `{ssh} sudo journalctl -u {unit} -n 50 --no-pager`; once fixed, clear it: `{ssh} sudo systemctl reset-failed {unit}`");
        }

        if (facts.NginxExit is { } nginx and not 0)
        {
            Add(DiagnoseSeverity.Error, null, DiagnoseChecks.Nginx, $"`nginx -t` fails (exit {nginx.ToString(CultureInfo.InvariantCulture)}): nginx keeps its loaded configuration, but the next reload or restart fails",
                $"fix or remove the file nginx names below (`{ssh} sudo nginx -t`); hostenv's own configuration is under /var/lib/hostenv/current/nginx and is only changed by deploy",
                facts.NginxOutput);
        }

        if (facts.Lock is { } held)
        {
            var owner = LockOwner(held.Owner);
            if (held.AgeSeconds > NodeLockOptions.Default.StaleAfter.TotalSeconds)
            {
                Add(DiagnoseSeverity.Error, null, DiagnoseChecks.Lock,
                    $"stale node lock held by {owner}: no heartbeat for {held.AgeSeconds.ToString(CultureInfo.InvariantCulture)} s; deploys to this node are refused",
                    $"if that run is dead, remove the lock with the next deploy: `hostenv-provider deploy --node {node} --force-unlock`");
            }
            else
            {
                Add(DiagnoseSeverity.Info, null, DiagnoseChecks.Lock, $"a deploy-type command holds the node lock: {owner} (heartbeat {held.AgeSeconds.ToString(CultureInfo.InvariantCulture)} s ago)",
                    "nothing to do; wait for it to finish");
            }
        }

        if (context.SkewSeconds is { } skew && Math.Abs(skew) > SkewWarning.TotalSeconds)
        {
            Add(Math.Abs(skew) > NodeProbe.MaxSkew.TotalSeconds ? DiagnoseSeverity.Error : DiagnoseSeverity.Warning, null, DiagnoseChecks.Clock,
                $"the node's clock is {skew.ToString("+0.0;-0.0", CultureInfo.InvariantCulture)} s off this machine's",
                $"turn on time synchronisation: `{ssh} sudo timedatectl set-ntp true` (then `timedatectl timesync-status`)");
        }

        var nodeTime = facts.StartTime is { } t ? DateTimeOffset.FromUnixTimeMilliseconds((long)(t * 1000)) : context.Now;
        foreach (var cert in facts.Certificates)
        {
            var acme = $"request it again: `{ssh} sudo systemctl start hostenv-acme-renew.service`, then read `/var/log/hostenv/acme-{cert.Vhost}.log` on the node; " +
                "if DNS does not point at the node yet, fix DNS and run `hostenv-provider dns-gate`";
            if (cert.NotAfter is not { } notAfter)
            {
                Add(DiagnoseSeverity.Error, OwnerOfVhost(context, cert.Vhost), DiagnoseChecks.Certificate, $"{cert.Vhost}: no readable certificate on the node",
                    $"deploy the node again (`hostenv-provider deploy --node {node}`) to install the placeholder, then {acme}");
                continue;
            }

            var left = DateTimeOffset.FromUnixTimeSeconds(notAfter) - nodeTime;
            var until = DateTimeOffset.FromUnixTimeSeconds(notAfter).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (cert.Placeholder)
            {
                Add(DiagnoseSeverity.Warning, OwnerOfVhost(context, cert.Vhost), DiagnoseChecks.Certificate,
                    $"{cert.Vhost}: the self-signed placeholder is still served (no certificate from the ACME CA yet)", acme);
            }
            else if (left < TimeSpan.Zero)
            {
                Add(DiagnoseSeverity.Error, OwnerOfVhost(context, cert.Vhost), DiagnoseChecks.Certificate, $"{cert.Vhost}: the certificate expired on {until}", acme);
            }
            else if (left < CertificateWarning)
            {
                Add(DiagnoseSeverity.Warning, OwnerOfVhost(context, cert.Vhost), DiagnoseChecks.Certificate,
                    $"{cert.Vhost}: the certificate expires in {left.TotalDays.ToString("0.0", CultureInfo.InvariantCulture)} days ({until}); renewal should have replaced it", acme);
            }
        }

        foreach (var (user, env) in facts.Environments)
        {
            var spec = context.Environments.GetValueOrDefault(user);
            EnvironmentFindings(env, spec, context, Add);
            if (spec?.App?.Compose is not null && env is { Release: { } release, Slot: { } slot })
            {
                ContainerFindings(user, release, slot, facts.Containers, context, Add);
            }
        }

        return findings.ToImmutable();
    }

    /// <summary>The live slot's compose project: every container running, and healthy where it has a healthcheck.</summary>
    private static void ContainerFindings(string user, string release, string slot, ImmutableArray<ComposeContainer> all, DiagnoseContext context, AddFinding add)
    {
        var project = EnvironmentStage.ComposeProject(user, slot);
        var live = ComposeContainers.OfSlot(all, user, slot);
        if (live.All(c => c.Ok) && live.Length > 0)
        {
            return;
        }

        var bad = live.Where(c => !c.Ok).Select(c => c.Name).ToList();
        add(DiagnoseSeverity.Error, user, DiagnoseChecks.Containers,
            $"compose project {project} (release {release}, the live slot): {ComposeContainers.Summary(live)}",
            live.Length == 0
                ? $"the live slot has no containers: deploy again (`hostenv-provider deploy --env {user}`) or go back (`hostenv-provider rollback --env {user}`)"
                : $"read why: `{context.Ssh} sudo docker logs --tail 50 {bad[0]}`; start {(bad.Count == 1 ? "it" : "them")} as {(bad.Count == 1 ? "it is" : "they are")}: " +
                  $"`{context.Ssh} sudo docker start {string.Join(' ', bad)}`, or go back to the previous release: `hostenv-provider rollback --env {user}`",
            live.Select(c => $"{c.Name}: {c.State}{(c.State == "exited" ? $" ({c.ExitCode.ToString(CultureInfo.InvariantCulture)})" : "")}, health {c.Health ?? "-"}, {c.Image} ({c.ShortImageId})"));
    }

    private delegate void AddFinding(DiagnoseSeverity severity, string? env, string check, string seen, string recommendation, IEnumerable<string>? lines = null);

    private static void EnvironmentFindings(EnvironmentFacts env, EnvironmentPlan? spec, DiagnoseContext context, AddFinding add)
    {
        var user = env.User;
        var ssh = context.Ssh;
        if (spec is not null && env.SecretNames is { } present)
        {
            var missing = spec.Secrets.Except(present, StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                add(DiagnoseSeverity.Error, user, DiagnoseChecks.Secrets, $"declared secret(s) not set on the node: {string.Join(", ", missing)}",
                    string.Join("; ", missing.Select(m => $"`hostenv-provider secrets set {user} {m} < value-file`")) + $", then `hostenv-provider deploy --env {user}`");
            }
        }

        if (env.Release is null)
        {
            if (spec?.App is { ShipsRelease: true })
            {
                add(DiagnoseSeverity.Info, user, DiagnoseChecks.NotDeployed, "no release deployed yet", $"`hostenv-provider deploy --env {user}`");
            }

            return;
        }

        var isApp = spec?.App?.RunsInSlots == true || env.Slot is not null;
        var unit = env.Slot is { } s ? $"hostenv-{user}-app@{s}.service" : null;
        var restartLoop = env.Restarts >= RestartLoopRestarts || env.Result == "start-limit-hit";
        if (isApp && unit is not null && restartLoop)
        {
            add(DiagnoseSeverity.Error, user, DiagnoseChecks.RestartLoop,
                $"{unit} is in a restart loop: restarted {env.Restarts.ToString(CultureInfo.InvariantCulture)} time(s), now {env.Active ?? "?"} ({env.SubState ?? "?"}, result {env.Result ?? "?"}); its last log lines below",
                $"fix the crash the log shows and deploy the fix (`hostenv-provider deploy --env {user}`), or go back to the previous release: `hostenv-provider rollback --env {user}`",
                env.Log);
        }
        else if (isApp && unit is not null && env.Active is not "active")
        {
            add(DiagnoseSeverity.Error, user, DiagnoseChecks.AppStopped,
                $"{unit} (release {env.Release}) is {env.Active ?? "unknown"} ({env.SubState ?? "?"}, result {env.Result ?? "?"}): the app serves nothing; its last log lines below",
                $"start it again: `hostenv-provider deploy --env {user}` (deploys the same content again when the live release's service is not running)",
                env.Log);
        }

        if (env.OomLines > 0)
        {
            add(DiagnoseSeverity.Error, user, DiagnoseChecks.Oom,
                $"{env.OomLines.ToString(CultureInfo.InvariantCulture)} journal line(s) about the OOM killer since the last deploy" +
                (env.LastDeploy is { } since ? $" ({DateTimeOffset.FromUnixTimeSeconds(since).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}Z)" : ""),
                $"raise resources.memoryMax for {user} in its hostenv.yaml (now {spec?.Resources.MemoryMax ?? "unlimited"}) or find the leak; `{ssh} sudo journalctl -u 'hostenv-{user}-*' --grep -i oom`",
                env.Log);
        }

        if (env.DriftCount > 0)
        {
            var git = spec?.Source.Git is not null;
            add(DiagnoseSeverity.Warning, user, DiagnoseChecks.Drift,
                $"release {env.Release} was changed in place on the node: {env.DriftCount.ToString(CultureInfo.InvariantCulture)} file(s) differ from its manifest (+ added, - removed, ~ changed)",
                git ? $"`hostenv-provider pull {user}` writes the edits as a patch for the project's git repository; or discard them with a new release (`hostenv-provider rollback --env {user}`)"
                    : $"bring the edits into the project: `hostenv-provider pull {user} --commit`, then `hostenv-provider deploy --env {user}`",
                env.Drift.Select(d => d.ToString()));
        }
        else if (env.ManifestMissing)
        {
            add(DiagnoseSeverity.Info, user, DiagnoseChecks.Drift, $"release {env.Release} has no recorded manifest (made before manifests were recorded): drift cannot be checked",
                $"the next release records one: `hostenv-provider deploy --env {user}` after a change");
        }
    }

    /// <summary>The environment a unit belongs to (hostenv-&lt;user&gt;-…), the longest matching user name.</summary>
    private static string? EnvironmentOfUnit(DiagnoseContext context, string unit) =>
        context.Environments.Keys.Where(u => unit.StartsWith("hostenv-" + u + "-", StringComparison.Ordinal)).MaxBy(u => u.Length);

    private static string? OwnerOfVhost(DiagnoseContext context, string vhost) =>
        context.Environments.Values.FirstOrDefault(e => e.VirtualHosts.Contains(vhost, StringComparer.OrdinalIgnoreCase))?.UserName;

    private static string LockOwner(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var o = doc.RootElement;
            return $"{o.GetProperty("User").GetString()}@{o.GetProperty("Host").GetString()} pid {o.GetProperty("Pid").GetInt32().ToString(CultureInfo.InvariantCulture)} ({o.GetProperty("Command").GetString()}, since {o.GetProperty("Started").GetString()})";
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "an unknown owner";
        }
    }

    private static string Pct(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + " %";

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
