using System.Collections.Concurrent;
using System.CommandLine;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Apply;
using Provider.Nodes.Fleet;
using Provider.Nodes.Locking;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Nodes.Ssh;
using Provider.Planning.Planner;
using Provider.Planning.Render;

namespace Provider.Cli.Commands;

public sealed record DeployArguments(string RepoDir, string? Node, bool DryRun, int Parallel, bool SkipGate, bool ForceUnlock, string? Identity);

/// <summary>`deploy`: the system stage on each node (environments follow in a later stage).</summary>
public static class DeployCommand
{
    private static readonly Option<string?> NodeOption = new("--node") { Description = "Only this node." };
    private static readonly Option<bool> DryRunOption = new("--dry-run") { Description = "Show what would change per node; touch nothing." };
    private static readonly Option<int> ParallelOption = new("--parallel") { Description = "Nodes deployed at once.", DefaultValueFactory = _ => 10 };
    private static readonly Option<bool> SkipGateOption = new("--skip-gate") { Description = "Deploy even if the plan changed since the last dns-gate." };
    private static readonly Option<bool> ForceUnlockOption = new("--force-unlock") { Description = "Remove a node's lock first (only when its holder is dead)." };

    public static Command Create(CliConsole console)
    {
        var command = new Command("deploy", "Apply the plan to the nodes over SSH: each node's system generation, atomically, with magic rollback.");
        foreach (var o in new Option[] { NodeOption, DryRunOption, ParallelOption, SkipGateOption, ForceUnlockOption })
        {
            command.Options.Add(o);
        }

        command.SetAction((r, ct) => RunAsync(new DeployArguments(CommonOptions.RepoDir(r), r.GetValue(NodeOption), r.GetValue(DryRunOption),
            Math.Max(1, r.GetValue(ParallelOption)), r.GetValue(SkipGateOption), r.GetValue(ForceUnlockOption), r.GetValue(CommonOptions.Identity)), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(DeployArguments args, CliConsole console, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        var planFile = repo.ReadText(ProviderRepository.PlanFile) ?? throw new UserException($"no {ProviderRepository.PlanFile}: run `hostenv-provider plan` first");
        var plan = JsonNode.Parse(planFile.Text) as JsonObject ?? throw new UserException("generated/plan.json is not a JSON object; re-run plan");
        await RefuseStalePlanAsync(repo, plan, console, ct);

        var nodes = (plan["nodes"] as JsonObject ?? []).Select(n => n.Key).Where(n => args.Node is null || n == args.Node).Order(StringComparer.Ordinal).ToList();
        if (nodes.Count == 0)
        {
            throw new UserException(args.Node is null ? "the plan has no nodes" : $"node '{args.Node}' is not in the plan");
        }

        if (!args.SkipGate)
        {
            var ungated = nodes.Where(n => plan["nodes"]?[n]?["dnsGate"]?["inputsHash"]?.GetValue<string>() != plan["inputsHash"]?.GetValue<string>()).ToList();
            if (ungated.Count > 0)
            {
                throw new UserException($"the plan changed since the last dns-gate for {string.Join(", ", ungated)}: run `hostenv-provider dns-gate` (or pass --skip-gate to deploy without it)");
            }
        }

        var (configs, deployUser, _) = NodeInventory.Load(repo);
        var key = SshKeyLocator.Locate(args.Identity);
        var results = new ConcurrentDictionary<string, SystemStageResult>(StringComparer.Ordinal);
        var errors = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var acmeFailures = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var wouldChange = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var consoleLock = new object();
        void Progress(string line)
        {
            lock (consoleLock)
            {
                console.Error.WriteLine(line);
            }
        }

        await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = args.Parallel, CancellationToken = ct }, async (node, token) =>
        {
            var config = configs.FirstOrDefault(c => c.Name == node);
            if (config is null)
            {
                errors[node] = $"nodes/{node}/node.yaml is missing or invalid";
                return;
            }

            try
            {
                var generation = NodeRenderer.Render(plan, node);
                var target = NodeInventory.Target(config, deployUser);
                await using var session = await SshNodeSession.ConnectAsync(target, key, token);
                if (args.DryRun)
                {
                    var preview = await SystemStage.PreviewAsync(session, generation, token);
                    if (!preview[0].StartsWith("up to date", StringComparison.Ordinal))
                    {
                        wouldChange[node] = true;
                    }

                    Progress($"{node}:\n" + string.Join("\n", preview.Select(l => "  " + l)));
                    return;
                }

                if (args.ForceUnlock && await NodeLock.ForceUnlockAsync(session, NodeLockOptions.Default, token) is { } removed)
                {
                    Progress($"{node}: removed the lock held by {removed}");
                }

                await using var nodeLock = await NodeLock.AcquireAsync(session, NodeLockOwner.ForThisProcess("deploy", TimeProvider.System), NodeLockOptions.Default, token);
                var stage = new SystemStage(c => SshNodeSession.ConnectAsync(target, key, c), TimeSpan.FromSeconds(config.ConfirmTimeoutSeconds), config.MagicRollback, Progress);
                var result = await stage.ApplyAsync(session, generation, token);
                results[node] = result;
                if (result.Outcome == SystemOutcome.Activated)
                {
                    var acme = await session.RunAsync(RemoteCommand.Exec("systemctl", "start", "hostenv-acme-renew.service").AsRoot(), TimeSpan.FromMinutes(10), token);
                    if (acme.Success)
                    {
                        Progress($"{node}: certificates requested/renewed for the ACME vhosts");
                    }
                    else
                    {
                        // What lego said last, for every vhost still on its placeholder: the operator should not need to log in to see why.
                        var why = await session.RunAsync(RemoteCommand.Shell("""
                            for d in $(cat /var/lib/hostenv/current/acme/domains 2>/dev/null); do
                              [ -f "$1/$d/placeholder" ] || continue
                              echo "  $d: $(grep -v '^\s*$' "/var/log/hostenv/acme-$d.log" 2>/dev/null | tail -n 1 | cut -c1-300)"
                            done
                            """, NodeRenderer.CertRoot).AsRoot(), TimeSpan.FromSeconds(30), token);
                        acmeFailures[node] = why.Stdout.TrimEnd();
                        Progress($"{node}: ACME did not complete; nginx keeps serving the placeholder certificate for:\n{why.Stdout.TrimEnd()}\n  (full logs: /var/log/hostenv/acme-<vhost>.log on the node; the renewal timer retries)");
                    }
                }
            }
            catch (Exception ex) when (ex is NodeConnectionException or NodeLockException)
            {
                errors[node] = ex.Message;
            }
        });

        if (args.DryRun)
        {
            // Like `plan --check`: 2 when something would change, 0 when every node is up to date.
            return !errors.IsEmpty ? ExitCodes.Error : wouldChange.IsEmpty ? ExitCodes.Success : ExitCodes.ChangesFound;
        }

        TextTable.Write(console.Out, ["NODE", "RESULT", "FROM", "TO", "DETAIL"], nodes.Select(n => results.TryGetValue(n, out var r)
            ? new[] { n, r.Outcome.ToString().ToLowerInvariant(), Short(r.FromGeneration), Short(r.ToGeneration), r.Error ?? (acmeFailures.ContainsKey(n) ? "ACME incomplete: placeholder certificates still served" : "") }
            : [n, "error", "", "", errors.GetValueOrDefault(n, "not deployed")]));
        if (results.Values.Any(r => r.Outcome == SystemOutcome.RolledBack))
        {
            return ExitCodes.RolledBack;
        }

        return errors.IsEmpty && results.Values.All(r => r.Outcome is SystemOutcome.Activated or SystemOutcome.UpToDate) ? ExitCodes.Success : ExitCodes.Error;
    }

    /// <summary>A plan whose inputsHash no longer matches the inputs would deploy something nobody reviewed.</summary>
    private static async Task RefuseStalePlanAsync(ProviderRepository repo, JsonObject plan, CliConsole console, CancellationToken ct)
    {
        var (input, diagnostics) = await repo.LoadPlanInputAsync(new GitSource(GitSource.DefaultCacheRoot()), ct);
        var replanned = input is null ? null : FleetPlanner.Plan(input);
        if (replanned?.Fleet is null || diagnostics.Any(d => d.IsError))
        {
            DiagnosticPrinter.Print(console, diagnostics.Concat(replanned?.Diagnostics ?? []));
            throw new UserException("the inputs do not plan cleanly; fix them and run `hostenv-provider plan` first");
        }

        if (replanned.Fleet.InputsHash != plan["inputsHash"]?.GetValue<string>())
        {
            throw new UserException("generated/plan.json is stale: the inputs changed since it was written; run `hostenv-provider plan` (and dns-gate) first");
        }
    }

    private static string Short(string? id) => string.IsNullOrEmpty(id) ? "-" : id[..Math.Min(12, id.Length)];
}
