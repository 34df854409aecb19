using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Text;
using Provider.Nodes.Apply;
using Provider.Nodes.Remote;
using Provider.Nodes.Dns;
using Provider.Nodes.Fleet;
using Provider.Nodes.Locking;
using Provider.Nodes.Ssh;
using Provider.Planning.Gate;
using Provider.Planning.Plan;
using Provider.Planning.Planner;
using Provider.Planning.Render;

namespace Provider.Nodes.Engine;

/// <summary>What `diagnose` looks at: the plan's nodes (or one), their environments (or one); DNS through the gate's resolver.</summary>
public sealed record DiagnoseRequest(string? Node, string? Env, ImmutableArray<IPEndPoint> Nameservers);

/// <summary>The findings, most severe first, and the nodes looked at.</summary>
public sealed record DiagnoseResult(ImmutableArray<DiagnoseFinding> Findings, ImmutableArray<string> Nodes)
{
    public bool HasErrors => Findings.Any(f => f.Severity == DiagnoseSeverity.Error);
}

/// <summary>
/// `diagnose`: per node one SSH login and one script (Remote/diagnose.sh) that reports the facts, then the rules
/// (<see cref="DiagnoseRules"/>) turn them into findings; vhosts are resolved as dns-gate resolves them.
/// </summary>
public static class DiagnoseRun
{
    /// <summary>diagnose.sh as sent: the release manifest and compose container functions, then the checks.</summary>
    public static string Script { get; } = ReleaseManifest.Functions + "\n" + ComposeContainers.Functions + "\n" + RemoteScripts.Body("diagnose.sh");

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    public static async Task<DiagnoseResult> RunAsync(FleetAccess fleet, DiagnoseRequest request, TimeProvider clock, CancellationToken ct)
    {
        string? onlyEnvUser = null;
        var nodes = fleet.Nodes.Where(n => request.Node is null || n == request.Node).ToList();
        if (request.Env is { } envName)
        {
            var (user, envNode, _) = fleet.Placed(envName);
            onlyEnvUser = user;
            nodes = [.. nodes.Where(n => n == envNode)];
        }

        if (nodes.Count == 0)
        {
            throw new OperationRefusedException(request.Node is { } n ? $"node '{n}' is not in the plan" + (request.Env is null ? "" : $" with environment '{request.Env}'") : "the plan has no nodes");
        }

        var findings = new ConcurrentBag<DiagnoseFinding>();
        var dns = DnsFindingsAsync(fleet, nodes, onlyEnvUser, request.Nameservers, ct);
        await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = 10, CancellationToken = ct }, async (node, token) =>
        {
            foreach (var f in await NodeAsync(fleet, node, onlyEnvUser, clock, token))
            {
                findings.Add(f);
            }
        });
        foreach (var f in await dns)
        {
            findings.Add(f);
        }

        return new DiagnoseResult([.. findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Node, StringComparer.Ordinal)
            .ThenBy(f => f.Environment ?? "", StringComparer.Ordinal).ThenBy(f => f.Check, StringComparer.Ordinal).ThenBy(f => f.Seen, StringComparer.Ordinal)], [.. nodes]);
    }

    /// <summary>The script's stdin for one node (see diagnose.sh): lock, secrets parser, paths to check, environments, TLS vhosts.</summary>
    public static string Request(FleetPlan plan, string node, string? onlyEnvUser)
    {
        var sb = new StringBuilder();
        void Line(params string[] fields) => sb.Append(string.Join('\t', fields.Select(f => f.Length == 0 ? "-" : f))).Append('\n');
        Line("lock", NodeLockOptions.Default.Path);
        Line("secretsed", EnvironmentStage.SecretNamesSed);
        var envs = plan.Nodes[node].Environments.Select(e => plan.Environments[e]).Where(e => onlyEnvUser is null || e.UserName == onlyEnvUser).ToList();
        foreach (var e in envs)
        {
            Line("path", HostenvPaths.Home(e.UserName));
            Line("path", e.Paths.DataDir);
        }

        foreach (var e in envs)
        {
            Line("env", e.UserName, EnvironmentStage.EnvDir(e.UserName), EnvironmentStage.AppUnit(e.UserName, "SLOT"), HostenvPaths.Home(e.UserName),
                $"{NodeRenderer.SecretsRoot}/{e.UserName}.env", string.Join(' ', e.Secrets));
        }

        foreach (var v in plan.Nodes[node].VirtualHosts.Values.Where(v => (v.EnableAcme || v.ForceSsl) && (onlyEnvUser is null || v.Owner == onlyEnvUser)))
        {
            Line("vhost", v.Name, $"{NodeRenderer.CertRoot}/{v.Name}");
        }

        if (envs.Any(e => e.App?.Compose is not null))
        {
            Line("compose", "yes");
        }

        return sb.ToString();
    }

    private static async Task<ImmutableArray<DiagnoseFinding>> NodeAsync(FleetAccess fleet, string node, string? onlyEnvUser, TimeProvider clock, CancellationToken ct)
    {
        var target = fleet.Target(node);
        var ssh = $"ssh -p {target.Port} {target.User}@{target.Host}";
        var envs = fleet.Plan.Nodes[node].Environments.Where(e => onlyEnvUser is null || e == onlyEnvUser)
            .ToImmutableSortedDictionary(e => e, e => fleet.Plan.Environments[e], StringComparer.Ordinal);
        string text, errors;
        DateTimeOffset before, after;
        try
        {
            await using var session = await fleet.ConnectAsync(node, ct);
            before = clock.GetUtcNow();
            var r = await session.RunAsync(RemoteCommand.Exec("bash", "-c", Script, "diagnose").AsRoot(), ScriptTimeout, Request(fleet.Plan, node, onlyEnvUser), ct);
            after = clock.GetUtcNow();
            text = r.Stdout;
            errors = r.Stderr;
        }
        catch (HostKeyMismatchException ex)
        {
            return [new DiagnoseFinding(DiagnoseSeverity.Error, node, null, DiagnoseChecks.HostKey,
                $"the server at {target.Host}:{target.Port} presented {ex.Presented}, nodes/{node}/node.yaml pins {ex.Expected}; nothing was sent to it",
                $"if the server was reinstalled, verify the new key on its console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), then `hostenv-provider node add {node} --address {target.Host} --port {target.Port}` to pin it; otherwise someone else answers at that address")];
        }
        catch (NodeConnectionException ex)
        {
            return [new DiagnoseFinding(DiagnoseSeverity.Error, node, null, DiagnoseChecks.Unreachable, ex.Message,
                $"check that the server runs and sshd listens: `{ssh} true` (or its provider's console); then `hostenv-provider node check {node}`")];
        }

        var facts = DiagnoseOutput.Parse(text);
        double? skew = null;
        if (facts.StartTime is { } start && facts.EndTime is { } end)
        {
            // The node's clock at the script's start against this machine's, with the network's share of the round trip split evenly.
            var network = Math.Max(0, (after - before).TotalSeconds - (end - start));
            skew = start - (before.ToUnixTimeMilliseconds() / 1000.0 + (network / 2));
        }

        // A report cut short says why in its stderr (sudo refused, the script killed by its timeout): shown with the finding.
        return [.. DiagnoseRules.Evaluate(facts, new DiagnoseContext(node, ssh, envs, skew, clock.GetUtcNow()))
            .Select(f => f.Check == DiagnoseChecks.Incomplete ? f with { Lines = [.. errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(10)] } : f)];
    }

    private static async Task<ImmutableArray<DiagnoseFinding>> DnsFindingsAsync(FleetAccess fleet, IReadOnlyList<string> nodes, string? onlyEnvUser,
        ImmutableArray<IPEndPoint> nameservers, CancellationToken ct)
    {
        var owners = nodes.SelectMany(n => fleet.Plan.Nodes[n].VirtualHosts.Values).ToDictionary(v => v.Name, v => v.Owner, StringComparer.OrdinalIgnoreCase);
        var targets = nodes.SelectMany(n => GateTargets.From(fleet.PlanJson, n))
            .Where(t => onlyEnvUser is null || owners.GetValueOrDefault(t.Vhost) == onlyEnvUser).ToList();
        if (targets.Count == 0)
        {
            return [];
        }

        var resolver = new VhostResolver(ResolverOptions.Default with { Nameservers = nameservers });
        var observations = await resolver.ResolveAsync(targets.Select(t => t.Vhost).Concat(targets.Select(t => t.ExpectedHost)), ct);
        var findings = ImmutableArray.CreateBuilder<DiagnoseFinding>();
        foreach (var t in targets)
        {
            var d = GateDecider.Decide(t.Node, t.ExpectedHost, t.DeclaredAddresses, observations[GateDecider.Normalise(t.ExpectedHost)], observations[GateDecider.Normalise(t.Vhost)]);
            if (d.IsOk)
            {
                continue;
            }

            var addresses = string.Join(", ", t.DeclaredAddresses);
            findings.Add(new DiagnoseFinding(DiagnoseSeverity.Warning, t.Node, owners.GetValueOrDefault(t.Vhost), DiagnoseChecks.Dns,
                $"{t.Vhost} does not point at {t.Node} ({GateDecision.StatusName(d.Status)}: {d.Reason})",
                $"point {t.Vhost} at {t.ExpectedHost} (CNAME){(addresses.Length > 0 ? $" or at {addresses} (A/AAAA)" : "")}, then `hostenv-provider dns-gate && hostenv-provider deploy --node {t.Node}`")
            { Lines = [.. d.Observed] });
        }

        return findings.ToImmutable();
    }
}
