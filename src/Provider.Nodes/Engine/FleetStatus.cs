using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Provider.Nodes.Apply;
using Provider.Nodes.Fleet;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Engine;

/// <summary>A node as `status` reports it: reachable or why not, and its current generation (id and number).</summary>
public sealed record NodeStatusRow(string Node, bool Reachable, string? Generation, string? GenerationNumber, string? Error);

/// <summary>An environment as `status` reports it, read from its node: release, rev, slot, service, HTTP answer, last deploy.</summary>
public sealed record EnvironmentStatusRow(string Node, string Environment, string Kind, string? Release, string? Rev, string? Slot, string? Service, string? Http,
    EnvironmentStage.HistoryEntry? LastDeploy)
{
    /// <summary>Files of the live release that differ from its recorded manifest (edited in place); null when no manifest was recorded or nothing is deployed.</summary>
    public int? Drift { get; init; }

    /// <summary>A compose environment's containers (both slots' projects; <see cref="Slot"/> is the live one), sorted; empty for other kinds.</summary>
    public ImmutableArray<ComposeContainer> Containers { get; init; } = [];
}

/// <summary>One line of `history`: an environment's deploy or, with Environment "(system)", a node's generation switch.</summary>
public sealed record HistoryRow(string Node, string Environment, EnvironmentStage.HistoryEntry Entry);

/// <summary>What runs where and what happened, read from the nodes in parallel (one SSH round trip per node): `status` and `history`.</summary>
public static class FleetStatus
{
    /// <summary>Every node of the plan (or one) with its environments; an unreachable node is a row, not an error.</summary>
    public static async Task<(ImmutableArray<NodeStatusRow> Nodes, ImmutableArray<EnvironmentStatusRow> Environments)> ReadAsync(FleetAccess fleet, string? onlyNode, CancellationToken ct)
    {
        var nodes = fleet.Nodes.Where(n => onlyNode is null || n == onlyNode).ToList();
        if (nodes.Count == 0)
        {
            throw new OperationRefusedException($"node '{onlyNode}' is not in the plan");
        }

        var rows = new ConcurrentBag<EnvironmentStatusRow>();
        var nodeRows = new ConcurrentDictionary<string, NodeStatusRow>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = 10, CancellationToken = ct }, async (node, token) =>
        {
            var envs = fleet.Plan.Nodes[node].Environments;
            try
            {
                await using var session = await fleet.ConnectAsync(node, token);
                var r = await session.RunAsync(RemoteCommand.Shell(ReleaseManifest.Functions + "\n" + ComposeContainers.Functions + "\n" + RemoteScripts.Body("fleet-status.sh"),
                    [GenerationHistory.Root, .. envs.Select(e => StatusArgument(e, fleet.Plan.Environments[e]))]).AsRoot(), TimeSpan.FromSeconds(60), token);
                var parsed = Parse(r.Stdout);
                var containers = ComposeContainers.Parse(r.Stdout);
                nodeRows[node] = new NodeStatusRow(node, true, parsed.Generation, parsed.Number, null);
                foreach (var env in envs)
                {
                    var e = parsed.Envs.GetValueOrDefault(env) ?? [];
                    var spec = fleet.Plan.Environments[env];
                    var kind = Kind(spec);
                    var slot = e.GetValueOrDefault("slot");
                    ImmutableArray<ComposeContainer> own = kind == "compose" ? [.. ComposeContainers.OfSlot(containers, env, "a"), .. ComposeContainers.OfSlot(containers, env, "b")] : [];
                    var service = kind switch
                    {
                        "app" => e.GetValueOrDefault("active") ?? "not deployed",
                        "compose" => slot is null ? "not deployed" : ComposeContainers.Summary(ComposeContainers.OfSlot(own, env, slot)),
                        _ => null,
                    };
                    rows.Add(new EnvironmentStatusRow(node, env, kind, e.GetValueOrDefault("release"), e.GetValueOrDefault("rev"), slot, service, e.GetValueOrDefault("http"),
                        EnvironmentStage.ParseHistory(e.GetValueOrDefault("last") ?? "").FirstOrDefault())
                    {
                        Drift = int.TryParse(e.GetValueOrDefault("drift"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var drift) ? drift : null,
                        Containers = own,
                    });
                }
            }
            catch (NodeConnectionException ex)
            {
                nodeRows[node] = new NodeStatusRow(node, false, null, null, ex.Message);
            }
        });

        return ([.. nodeRows.Values.OrderBy(n => n.Node, StringComparer.Ordinal)],
            [.. rows.OrderBy(r => r.Node, StringComparer.Ordinal).ThenBy(r => r.Environment, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Past deploys of one environment, or of every environment of the plan's nodes (or one node) together with the
    /// nodes' generation switches, oldest first. A node that cannot be reached is named in Unreachable; the others are read.
    /// </summary>
    public static async Task<(ImmutableArray<HistoryRow> Rows, ImmutableSortedDictionary<string, string> Unreachable)> ReadHistoryAsync(
        FleetAccess fleet, string? env, string? onlyNode, CancellationToken ct)
    {
        var targets = new List<(string Node, string User)>();
        if (env is not null)
        {
            var (user, node, _) = fleet.Placed(env);
            targets.Add((node, user));
        }
        else
        {
            foreach (var node in fleet.Nodes.Where(n => onlyNode is null || n == onlyNode))
            {
                targets.AddRange(fleet.Plan.Nodes[node].Environments.Select(e => (node, e)));
            }
        }

        var entries = new ConcurrentBag<HistoryRow>();
        var unreachable = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var nodesToRead = env is null ? fleet.Nodes.Where(n => onlyNode is null || n == onlyNode).ToList() : [.. targets.Select(t => t.Node).Distinct()];
        await Parallel.ForEachAsync(nodesToRead.Select(n => targets.Where(t => t.Node == n).ToList()).Select((g, i) => (Node: nodesToRead[i], Targets: g)),
            new ParallelOptions { MaxDegreeOfParallelism = 10, CancellationToken = ct }, async (group, token) =>
        {
            SshNodeSession session;
            try
            {
                session = await fleet.ConnectAsync(group.Node, token);
            }
            catch (NodeConnectionException ex)
            {
                // One node down does not hide the others' history; the command still exits 1.
                unreachable[group.Node] = ex.Message;
                return;
            }

            await using var _ = session;
            if (env is null)
            {
                // The node's own record of its system generations: every switch, with why it happened.
                var generations = await GenerationHistory.ReadAsync(session, token);
                foreach (var (e, i) in generations.Events.Select((e, i) => (e, i)).Where(x => x.e.Reason != "confirmed"))
                {
                    var label = generations.SwitchLabel(e);
                    var outcome = e.Reason.StartsWith("watchdog:", StringComparison.Ordinal) ? "watchdog-rollback"
                        : generations.Events.Skip(i + 1).TakeWhile(n => n.Reason == "confirmed" || n.Generation == e.Generation).Any(n => n.Reason == "confirmed" && n.Generation == e.Generation)
                            ? e.Reason + "+confirmed" : e.Reason;
                    entries.Add(new HistoryRow(group.Node, "(system)", new EnvironmentStage.HistoryEntry(e.Time, label, "", outcome, double.NaN, i)));
                }
            }

            foreach (var (node, user) in group.Targets)
            {
                foreach (var e in await EnvironmentStage.ReadHistoryAsync(session, user, token))
                {
                    entries.Add(new HistoryRow(node, user, e));
                }
            }
        });

        return ([.. entries.OrderBy(e => e.Entry.Time).ThenBy(e => e.Environment, StringComparer.Ordinal).ThenBy(e => e.Entry.Index)],
            unreachable.ToImmutableSortedDictionary(StringComparer.Ordinal));
    }

    private static string Kind(EnvironmentPlan spec) => spec.App?.Run is not null ? "app" : spec.App?.Compose is not null ? "compose" : spec.App?.Static is not null ? "static" : "none";

    private static string StatusArgument(string user, EnvironmentPlan spec) => string.Join('\t', user, EnvironmentStage.EnvDir(user),
        EnvironmentStage.AppUnit(user, "SLOT"), HostenvPaths.UpstreamSocket(user), spec.App?.HealthCheck?.Path ?? "/", HostenvPaths.Home(user), Kind(spec));

    private sealed record NodeStatus(string? Generation, string? Number, Dictionary<string, Dictionary<string, string>> Envs);

    private static NodeStatus Parse(string text)
    {
        string? generation = null, number = null;
        var envs = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("generation ", StringComparison.Ordinal))
            {
                generation = line[11..].Trim();
            }
            else if (line.StartsWith("number ", StringComparison.Ordinal))
            {
                number = line[7..].Trim();
            }
            else if (line.StartsWith("env ", StringComparison.Ordinal))
            {
                envs[line[4..].Trim()] = current = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            else if (current is not null && line.StartsWith("  ", StringComparison.Ordinal) && line.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                current[line[2..eq]] = line[(eq + 1)..];
            }
        }

        return new NodeStatus(generation is { Length: > 0 } ? generation : null, number is { Length: > 0 } ? number : null, envs);
    }
}
