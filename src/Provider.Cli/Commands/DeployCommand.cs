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

public sealed record DeployArguments(string RepoDir, string? Node, bool DryRun, int Parallel, bool SkipGate, bool ForceUnlock, string? Identity,
    string? Env = null, bool AllowDirty = false, bool Resume = false, bool SystemOnly = false, bool Yes = false);

/// <summary>`deploy`: per node, under its lock, the system stage and then the environment stage (DESIGN §7).</summary>
public static class DeployCommand
{
    private static readonly Option<string?> NodeOption = new("--node") { Description = "Only this node." };
    private static readonly Option<bool> DryRunOption = new("--dry-run") { Description = "Show what would change per node (system files, units, users; environments that would get a new release); touch nothing. Exit 2 if anything would change." };
    private static readonly Option<int> ParallelOption = new("--parallel") { Description = "Nodes deployed at once.", DefaultValueFactory = _ => 10 };
    private static readonly Option<bool> SkipGateOption = new("--skip-gate") { Description = "Deploy even if the plan changed since the last dns-gate." };
    private static readonly Option<bool> ForceUnlockOption = new("--force-unlock") { Description = "Remove a node's lock first (only when its holder is dead)." };
    private static readonly Option<string?> EnvOption = new("--env") { Description = "Only this environment (its userName or project/environment name); its node's system stage runs first." };
    private static readonly Option<bool> AllowDirtyOption = new("--allow-dirty") { Description = "Ship path sources even with uncommitted changes." };
    private static readonly Option<bool> ResumeOption = new("--resume") { Description = "Continue the last interrupted deploy from its first unfinished step." };
    private static readonly Option<bool> SystemOnlyOption = new("--system-only") { Description = "Only the nodes' system stage; no environment is deployed." };
    private static readonly Option<bool> YesOption = new("--yes", "-y") { Description = "Deploy without showing the preview and asking first (required without a terminal)." };

    public static Command Create(CliConsole console)
    {
        var command = new Command("deploy", "Apply the plan to the nodes over SSH: each node's system generation (atomically, with magic rollback), then its environments' releases (zero-downtime).");
        foreach (var o in new Option[] { NodeOption, DryRunOption, ParallelOption, SkipGateOption, ForceUnlockOption, EnvOption, AllowDirtyOption, ResumeOption, SystemOnlyOption, YesOption })
        {
            command.Options.Add(o);
        }

        command.SetAction((r, ct) => RunAsync(new DeployArguments(CommonOptions.RepoDir(r), r.GetValue(NodeOption), r.GetValue(DryRunOption),
            Math.Max(1, r.GetValue(ParallelOption)), r.GetValue(SkipGateOption), r.GetValue(ForceUnlockOption), r.GetValue(CommonOptions.Identity),
            r.GetValue(EnvOption), r.GetValue(AllowDirtyOption), r.GetValue(ResumeOption), r.GetValue(SystemOnlyOption), r.GetValue(YesOption)), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(DeployArguments args, CliConsole console, CancellationToken ct)
    {
        var started = TimeProvider.System.GetTimestamp();
        if (!args.DryRun)
        {
            console.RequireInteractiveOrYes(args.Yes, "deploy");
        }

        var repo = new ProviderRepository(args.RepoDir);
        var fleet = new FleetAccess(args.RepoDir, args.Identity);
        var (typed, plan) = (fleet.Plan, fleet.PlanJson);
        // Re-planning (the stale check) and reading the release sources are independent local work: they run at
        // the same time, and both finish before any node is touched.
        var staleCheck = Task.Run(() => RefuseStalePlanAsync(repo, typed.InputsHash, console, ct), ct);

        var environments = typed.Environments;
        var onlyEnv = args.Env is null ? null : fleet.Environment(args.Env).UserName;
        var nodes = typed.Nodes.Keys
            .Where(n => args.Node is null || n == args.Node)
            .Where(n => onlyEnv is null || environments[onlyEnv].Node == n)
            .ToList();
        // Releases are read before any node is touched: a dirty working tree or a missing commit stops the run here.
        var envsByNode = nodes.ToDictionary(n => n, n => typed.Nodes[n].Environments
            .Where(e => onlyEnv is null || e == onlyEnv).Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var releases = new Dictionary<string, ReleaseFiles>(StringComparer.Ordinal);
        try
        {
            await LoadReleasesAsync();
        }
        catch (UserException)
        {
            await staleCheck; // a stale plan is the first thing to fix: report it rather than the source's problem
            throw;
        }

        async Task LoadReleasesAsync()
        {
            if (!args.SystemOnly)
            {
                // One read per source (environments of one project share it), the sources in parallel.
                var git = new GitSource(GitSource.DefaultCacheRoot());
                var wanted = envsByNode.Values.SelectMany(e => e)
                    .Where(env => environments[env].App?.ShipsRelease == true)
                    .GroupBy(env => environments[env].Source).ToList();
                var loaded = new ConcurrentDictionary<string, ReleaseFiles>(StringComparer.Ordinal);
                await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (group, token) =>
                {
                    try
                    {
                        var files = await ReleaseFiles.LoadAsync(args.RepoDir, group.Key, git, args.AllowDirty, token);
                        foreach (var env in group)
                        {
                            loaded[env] = files;
                        }
                    }
                    catch (ReleaseSourceException ex)
                    {
                        throw new UserException($"{string.Join(", ", group)}: {ex.Message}");
                    }
                });
                foreach (var (env, files) in loaded)
                {
                    releases[env] = files;
                }
            }
        }

        await staleCheck;
        if (nodes.Count == 0 && args.Node is null)
        {
            // An empty fleet (no node declared yet) is converged by definition, like `terraform apply` with no resources.
            console.Error.WriteLine("the plan has no nodes: nothing to deploy (add one with `hostenv-provider node add`)");
            return ExitCodes.Success;
        }

        if (nodes.Count == 0)
        {
            throw new UserException($"node '{args.Node}' is not in the plan");
        }

        if (!args.SkipGate)
        {
            var ungated = Provider.Planning.Gate.GateStamp.Stale(plan, nodes);
            if (ungated.Length > 0)
            {
                var command = ungated.Length == 1 ? $"hostenv-provider dns-gate --node {ungated[0]}" : "hostenv-provider dns-gate";
                throw new UserException($"DNS was not checked for what {string.Join(", ", ungated)} now serve{(ungated.Length == 1 ? "s" : "")} (never gated, or vhosts/addresses changed since the last dns-gate): run `{command}` (or pass --skip-gate to deploy without it)");
            }
        }

        var (configs, deployUser, _) = NodeInventory.Load(repo);
        var key = SshKeyLocator.Locate(args.Identity);
        var consoleLock = new object();
        void Progress(string line)
        {
            lock (consoleLock)
            {
                console.Error.WriteLine(line);
            }
        }

        async Task<(Provider.Planning.Model.NodeConfig Config, SshTarget Target, SshNodeSession Session)> ConnectAsync(string node, CancellationToken token)
        {
            var config = configs.FirstOrDefault(c => c.Name == node) ?? throw new NodeConnectionException($"nodes/{node}/node.yaml is missing or invalid");
            var target = NodeInventory.Target(config, deployUser);
            return (config, target, await SshNodeSession.ConnectAsync(target, key, token));
        }

        DeployExpectations? confirmed = null;
        if (args.DryRun || !args.Yes)
        {
            // The preview reads every node without changing it; deploy after "yes" decides from its own inspection under the
            // node lock and refuses whatever differs from what was shown (DeployExpectations).
            var previews = new ConcurrentDictionary<string, NodePreview>(StringComparer.Ordinal);
            var previewErrors = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = args.Parallel, CancellationToken = ct }, async (node, token) =>
            {
                try
                {
                    var (_, _, session) = await ConnectAsync(node, token);
                    await using (session)
                    {
                        previews[node] = await NodePreview.ReadAsync(session, NodeRenderer.Render(plan, node), args.SystemOnly ? [] :
                            envsByNode[node].Where(releases.ContainsKey).Select(e => new EnvironmentToPreview(e, environments[e], releases[e])), token);
                    }
                }
                catch (Exception ex) when (ex is NodeConnectionException or DeployStepException)
                {
                    previewErrors[node] = ex.Message;
                }
            });
            foreach (var node in nodes.Where(previews.ContainsKey))
            {
                console.Error.WriteLine(previews[node].Text);
            }

            foreach (var (node, error) in previewErrors.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                console.Error.WriteLine($"{node}: error: {error}");
            }

            if (args.DryRun)
            {
                // Like `plan --check`: 2 when something would change, 0 when every node is up to date, 1 when a node could not be asked.
                return !previewErrors.IsEmpty ? ExitCodes.Error : previews.Values.Any(p => p.Changes) ? ExitCodes.ChangesFound : ExitCodes.Success;
            }

            if (!previewErrors.IsEmpty)
            {
                throw new UserException("the nodes above could not be asked what would change; nothing was deployed");
            }

            if (!previews.Values.Any(p => p.Changes))
            {
                console.Error.WriteLine("Nothing to deploy: every node and environment is up to date.");
                return ExitCodes.Success;
            }

            if (!console.Confirm("Deploy these changes?"))
            {
                console.Error.WriteLine("Nothing was changed.");
                return ExitCodes.Error;
            }

            confirmed = DeployExpectations.From(previews.Values);
        }

        var inputsHash = typed.InputsHash;
        DeployJournal? journal = null;
        if (args.Resume)
        {
            journal = DeployJournal.Load(args.RepoDir) ?? throw new UserException("there is no interrupted deploy to resume (no journal for this repo)");
            if (journal.Complete)
            {
                throw new UserException("the last deploy finished; there is nothing to resume (run deploy)");
            }

            if (journal.InputsHash != inputsHash)
            {
                throw new UserException("the plan changed since the interrupted deploy; run deploy (not --resume)");
            }

            var done = envsByNode.Sum(kv => kv.Value.Count(e => journal.IsFinished(kv.Key, e)));
            console.Error.WriteLine($"resuming the interrupted deploy: {done} of {envsByNode.Sum(kv => kv.Value.Count)} environment(s) already finished");
        }
        else if (!args.DryRun)
        {
            journal = DeployJournal.Start(args.RepoDir, inputsHash, TimeProvider.System.GetUtcNow());
        }

        var envResults = new ConcurrentDictionary<(string Node, string Env), EnvironmentResult>();
        var verifyFailures = new ConcurrentDictionary<(string Node, string Env), string>();
        var results = new ConcurrentDictionary<string, SystemStageResult>(StringComparer.Ordinal);
        var errors = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var acmeFailures = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await using var onCancel = ct.Register(() => Progress("cancelling: stopping the remote step in progress, then releasing the node locks"));
        await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = args.Parallel, CancellationToken = ct }, async (node, token) =>
        {
            try
            {
                var generation = NodeRenderer.Render(plan, node);
                var (config, target, session) = await ConnectAsync(node, token);
                await using var sessionScope = session;
                await using var nodeLock = await NodeLocking.TakeAsync(session, "deploy", args.ForceUnlock, Progress, token);

                var stage = new SystemStage(c => SshNodeSession.ConnectAsync(target, key, c), TimeSpan.FromSeconds(config.ConfirmTimeoutSeconds), config.MagicRollback, Progress);
                var result = await stage.ApplyAsync(session, generation, token, expectedCurrent: confirmed?.NodeGenerations.GetValueOrDefault(node));
                results[node] = result;
                journal?.Record(node, "system", result.Outcome.ToString().ToLowerInvariant(), result.ToGeneration);
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

                if (result.Outcome is SystemOutcome.Activated or SystemOutcome.UpToDate && !args.SystemOnly)
                {
                    await DeployEnvironmentsAsync(session, node, config, envsByNode[node], environments, releases, journal, args.Resume, confirmed, envResults, verifyFailures, Progress, token);
                }
            }
            catch (Exception ex) when (ex is NodeConnectionException or NodeLockException or DeployStepException)
            {
                errors[node] = ex.Message;
            }
        });

        TextTable.Write(console.Out, SystemResultHeader, nodes.Select(n => results.TryGetValue(n, out var r)
            ? SystemResultRow(r, r.Error ?? (acmeFailures.ContainsKey(n) ? "ACME incomplete: placeholder certificates still served" : ""))
            : [n, "error", "", "", errors.GetValueOrDefault(n, "not deployed")]));
        if (!envResults.IsEmpty)
        {
            console.Out.WriteLine();
            TextTable.Write(console.Out, ["NODE", "ENVIRONMENT", "RESULT", "RELEASE", "TIME", "DETAIL"], envResults.OrderBy(e => e.Key.Node, StringComparer.Ordinal).ThenBy(e => e.Key.Env, StringComparer.Ordinal)
                .Select(e => new[]
                {
                    e.Key.Node, e.Key.Env, e.Value.Outcome.ToString().ToLowerInvariant(), e.Value.Release ?? "-",
                    e.Value.Duration.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "s",
                    FirstLine(e.Value.Error) ?? verifyFailures.GetValueOrDefault(e.Key) ?? "",
                }));
            foreach (var failed in envResults.Where(e => e.Value.Error is not null).OrderBy(e => e.Key.Env, StringComparer.Ordinal))
            {
                console.Error.WriteLine($"\n{failed.Key.Node}/{failed.Key.Env}: {failed.Value.Error}");
            }
        }

        var ok = errors.IsEmpty && results.Values.All(r => r.Outcome is SystemOutcome.Activated or SystemOutcome.UpToDate)
            && envResults.Values.All(r => r.Outcome is not EnvironmentOutcome.Failed) && verifyFailures.IsEmpty;
        journal?.Finish(ok && results.Count == nodes.Count);
        var count = (EnvironmentOutcome o) => envResults.Values.Count(r => r.Outcome == o);
        console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"\n{(ok ? "done" : "FAILED")} in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:0.0} s: {results.Values.Count(r => r.Outcome == SystemOutcome.Activated)} node(s) switched generation, " +
            $"{results.Values.Count(r => r.Outcome == SystemOutcome.UpToDate)} up to date, {results.Values.Count(r => r.Outcome is SystemOutcome.RolledBack or SystemOutcome.Failed) + errors.Count} failed; " +
            $"{count(EnvironmentOutcome.Deployed)} environment(s) deployed, {count(EnvironmentOutcome.UpToDate)} up to date, {count(EnvironmentOutcome.Failed) + verifyFailures.Count} failed"));
        if (results.Values.Any(r => r.Outcome == SystemOutcome.RolledBack))
        {
            return ExitCodes.RolledBack;
        }

        return ok ? ExitCodes.Success : ExitCodes.Error;
    }

    /// <summary>A plan whose inputsHash no longer matches the inputs would deploy something nobody reviewed.</summary>
    private static async Task RefuseStalePlanAsync(ProviderRepository repo, string planInputsHash, CliConsole console, CancellationToken ct)
    {
        var (input, diagnostics) = await repo.LoadPlanInputAsync(new GitSource(GitSource.DefaultCacheRoot()), ct);
        var replanned = input is null ? null : FleetPlanner.Plan(input);
        if (replanned?.Fleet is null || diagnostics.Any(d => d.IsError))
        {
            DiagnosticPrinter.Print(console, diagnostics.Concat(replanned?.Diagnostics ?? []));
            throw new UserException("the inputs do not plan cleanly; fix them and run `hostenv-provider plan` first");
        }

        if (replanned.Fleet.InputsHash != planInputsHash)
        {
            throw new UserException("generated/plan.json is stale: the inputs changed since it was written; run `hostenv-provider plan` (and dns-gate) first");
        }
    }

    /// <summary>The environment stage on one node: each environment in turn, journaled, then its deploymentVerification checks.</summary>
    private static async Task DeployEnvironmentsAsync(SshNodeSession session, string node, Provider.Planning.Model.NodeConfig config, List<string> envs, System.Collections.Immutable.ImmutableSortedDictionary<string, Provider.Planning.Plan.EnvironmentPlan> environments,
        Dictionary<string, ReleaseFiles> releases, DeployJournal? journal, bool resume, DeployExpectations? confirmed, ConcurrentDictionary<(string, string), EnvironmentResult> envResults,
        ConcurrentDictionary<(string, string), string> verifyFailures, Action<string> progress, CancellationToken ct)
    {
        var stage = new EnvironmentStage(progress, TimeProvider.System)
        {
            OnJournal = (env, step, release) => journal?.Record(node, env, step, release),
            ReuseBuiltRelease = resume,
            Previewed = confirmed?.Environments,
        };
        foreach (var env in envs)
        {
            if (resume && journal?.IsFinished(node, env) == true)
            {
                progress($"{node}/{env}: finished before the interruption; skipped");
                continue;
            }

            var spec = environments[env];
            if (!releases.TryGetValue(env, out var release))
            {
                journal?.Record(node, env, "skipped");
                continue; // no app: the system stage gave it its user and vhosts
            }

            var result = await stage.DeployAsync(session, spec, release, ct);
            envResults[(node, env)] = result;
            if (result.Outcome != EnvironmentOutcome.Failed && System.Net.IPAddress.TryParse(config.Address, out var address))
            {
                foreach (var check in await Verifier.RunAsync(spec, address, ct))
                {
                    progress($"{node}/{env}: verify {check.Check}: {(check.Ok ? "ok" : "FAILED")} ({check.Detail}){(check.Ok || check.Enforced ? "" : " (not enforced)")}");
                    if (!check.Ok && check.Enforced)
                    {
                        verifyFailures[(node, env)] = $"verification failed: {check.Check}: {check.Detail}";
                    }
                }
            }

            journal?.Record(node, env, result.Outcome switch
            {
                EnvironmentOutcome.Deployed => "done",
                EnvironmentOutcome.UpToDate => "up-to-date",
                EnvironmentOutcome.Skipped => "skipped",
                _ => "failed",
            }, result.Release);
        }
    }

    private static string? FirstLine(string? text) => text?.Split('\n')[0];

    /// <summary>The table deploy and `rollback --node` print: one row per node's system stage.</summary>
    internal static readonly string[] SystemResultHeader = ["NODE", "RESULT", "FROM", "TO", "DETAIL"];

    internal static string[] SystemResultRow(SystemStageResult r, string detail) =>
        [r.Node, r.Outcome.ToString().ToLowerInvariant(), Short(r.FromGeneration), Short(r.ToGeneration), detail];

    private static string Short(string? id) => string.IsNullOrEmpty(id) ? "-" : GenerationHistory.Short(id);
}
