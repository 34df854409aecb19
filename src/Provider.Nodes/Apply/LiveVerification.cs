using System.Collections.Immutable;
using System.Net;
using Provider.Nodes.Remote;
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
    /// <summary>
    /// Every environment of the plan's nodes (or one node, or one environment), the nodes in parallel: the checks in
    /// node, environment, check order, and the nodes that could not be reached with the reason.
    /// </summary>
    public static async Task<(ImmutableArray<LiveCheck> Checks, ImmutableSortedDictionary<string, string> Unreachable)> RunFleetAsync(
        Fleet.FleetAccess fleet, string? onlyNode, string? onlyEnv, CancellationToken ct)
    {
        var env = onlyEnv is null ? null : fleet.Environment(onlyEnv);
        var nodes = fleet.Nodes.Where(n => (onlyNode is null || n == onlyNode) && (env is null || n == env.Node)).ToList();
        if (nodes.Count == 0)
        {
            throw new Engine.OperationRefusedException(onlyNode is not null ? $"node '{onlyNode}' is not in the plan" : "the plan has no nodes");
        }

        var checks = new System.Collections.Concurrent.ConcurrentBag<LiveCheck>();
        var errors = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = 10, CancellationToken = ct }, async (node, token) =>
        {
            try
            {
                var address = await AddressAsync(fleet.Config(node).Address, token);
                await using var session = await fleet.ConnectAsync(node, token);
                foreach (var check in await RunAsync(session, node, address, fleet.Plan.EnvironmentsOn(node).Where(e => env is null || e.UserName == env.UserName), token))
                {
                    checks.Add(check);
                }
            }
            catch (Exception ex) when (ex is NodeConnectionException or System.Net.Sockets.SocketException)
            {
                errors[node] = ex.Message;
            }
        });
        return ([.. checks.OrderBy(c => c.Node, StringComparer.Ordinal).ThenBy(c => c.Environment, StringComparer.Ordinal).ThenBy(c => c.Check, StringComparer.Ordinal)],
            errors.ToImmutableSortedDictionary(StringComparer.Ordinal));
    }

    /// <summary>The node's address to pin requests to: node.yaml's address, resolved once when it is a name.</summary>
    private static async Task<IPAddress> AddressAsync(string address, CancellationToken ct) =>
        IPAddress.TryParse(address, out var ip) ? ip : (await System.Net.Dns.GetHostAddressesAsync(address, ct))[0];

    /// <summary>Every check of <paramref name="environments"/> (plan entries) on one node.</summary>
    public static async Task<ImmutableArray<LiveCheck>> RunAsync(SshNodeSession session, string node, IPAddress address, IEnumerable<EnvironmentPlan> environments, CancellationToken ct)
    {
        var checks = ImmutableArray.CreateBuilder<LiveCheck>();
        foreach (var env in environments)
        {
            var user = env.UserName;
            if (env.App?.RunsInSlots == true)
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
        var r = await session.RunAsync(RemoteScripts.Command("verify-health.sh", HostenvPaths.UpstreamSocket(user), env.Hostname, path,
            range.Low.ToString(invariant), range.High.ToString(invariant), EnvironmentStage.AppUnit(user, "SLOT"),
            HostenvPaths.SlotSocket(user, "a"), HostenvPaths.SlotSocket(user, "b")).AsRoot(), TimeSpan.FromSeconds(30), ct);
        var line = r.Stdout.Trim().Split('\n').LastOrDefault() ?? "";
        var name = "health " + (path.Length == 0 ? "(socket answers)" : path);
        return line.StartsWith("OK ", StringComparison.Ordinal)
            ? new LiveCheck(node, user, name, true, true, line[3..])
            : new LiveCheck(node, user, name, false, true, line.StartsWith("FAIL ", StringComparison.Ordinal) ? line[5..] : (r.Stderr + r.Stdout).Trim());
    }
}
