using System.Collections.Immutable;
using System.Net;
using Provider.Nodes.Ssh;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Apply;

/// <summary>One check of `verify` for one environment: the live health check or one deploymentVerification request.</summary>
public sealed record LiveCheck(string Node, string Environment, string Check, bool Ok, bool Enforced, string Detail);

/// <summary>
/// `verify`: the checks a deploy ends with, run on demand against what is live, without deploying. Per environment:
/// the app's health check, asked once on the live release's socket (the one nginx sends traffic to) with the
/// manifest's path and expected status, and its service state; then every deploymentVerification request from this
/// machine, pinned to the node's address as deploy does.
/// </summary>
public static class LiveVerification
{
    private const string HealthScript = """
        sock="$1"; host="$2"; path="$3"; low="$4"; high="$5"; unit="$6"; sa="$7"; sb="$8"
        case "$(readlink "$sock" 2>/dev/null)" in "$sa") slot=a ;; "$sb") slot=b ;; *) echo "FAIL no live release: nginx's upstream link $sock points nowhere"; exit 0 ;; esac
        u=$(echo "$unit" | sed "s/SLOT/$slot/")
        state=$(systemctl is-active "$u" 2>/dev/null)
        out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 5 --unix-socket "$sock" -H "Host: $host" "http://$host${path:-/}") || true
        code=${out%% *}; redirect=${out#* }
        if [ "$state" != active ]; then echo "FAIL slot $slot: $u is $state (HTTP ${code:-000})"; exit 0; fi
        if [ "${code:-0}" -ge "$low" ] 2>/dev/null && [ "$code" -le "$high" ]; then echo "OK slot $slot: GET ${path:-/} answered $code"; exit 0; fi
        echo "FAIL slot $slot: GET ${path:-/} answered ${code:-nothing}${redirect:+ (redirect to $redirect)}, expected $low-$high"
        """;

    /// <summary>Every check of <paramref name="environments"/> (plan entries) on one node.</summary>
    public static async Task<ImmutableArray<LiveCheck>> RunAsync(SshNodeSession session, string node, IPAddress address, IEnumerable<EnvironmentPlan> environments, CancellationToken ct)
    {
        var checks = ImmutableArray.CreateBuilder<LiveCheck>();
        foreach (var env in environments)
        {
            var user = env.UserName;
            if (env.App?.Run is not null)
            {
                checks.Add(await HealthAsync(session, node, user, env, ct));
            }

            foreach (var v in await Verifier.RunAsync(env, address, ct))
            {
                checks.Add(new LiveCheck(node, user, "verify " + v.Check, v.Ok, v.Enforced, v.Detail));
            }
        }

        return checks.ToImmutable();
    }

    private static async Task<LiveCheck> HealthAsync(SshNodeSession session, string node, string user, EnvironmentPlan env, CancellationToken ct)
    {
        var health = env.App?.HealthCheck;
        var path = health?.Path ?? "";
        var range = StatusRange.Parse(health?.ExpectStatus);
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var r = await session.RunAsync(RemoteCommand.Shell(HealthScript, HostenvPaths.UpstreamSocket(user), env.Hostname, path,
            range.Low.ToString(invariant), range.High.ToString(invariant), EnvironmentStage.AppUnit(user, "SLOT"),
            HostenvPaths.SlotSocket(user, "a"), HostenvPaths.SlotSocket(user, "b")).AsRoot(), TimeSpan.FromSeconds(30), ct);
        var line = r.Stdout.Trim().Split('\n').LastOrDefault() ?? "";
        var name = "health " + (path.Length == 0 ? "(socket answers)" : path);
        return line.StartsWith("OK ", StringComparison.Ordinal)
            ? new LiveCheck(node, user, name, true, true, line[3..])
            : new LiveCheck(node, user, name, false, true, line.StartsWith("FAIL ", StringComparison.Ordinal) ? line[5..] : (r.Stderr + r.Stdout).Trim());
    }
}
