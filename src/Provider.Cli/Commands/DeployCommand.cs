using Provider.Nodes.Engine;
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

using Provider.Monitor.Client;
using Provider.Monitor.Web.Api;

namespace Provider.Cli.Commands;

public sealed record DeployArguments(string RepoDir, string? Node, bool DryRun, int Parallel, bool SkipGate, bool ForceUnlock, string? Identity,
    string? Env = null, bool AllowDirty = false, bool Resume = false, bool SystemOnly = false, bool Yes = false, bool KeepOld = false);

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
    private static readonly Option<bool> KeepOldOption = new("--keep-old") { Description = "When an environment moves to another node: keep its old copy there, stopped, instead of removing its releases and data." };
    private static readonly Option<bool> YesOption = new("--yes", "-y") { Description = "Deploy without showing the preview and asking first (required without a terminal)." };
    private static readonly Option<string?> RemoteOption = new("--remote") { Description = "Deploy through a hostenv-provider service (its URL): the job runs there; its progress and exit code are printed here." };
    private static readonly Option<string?> TokenOption = new("--token") { Description = "The service's API token with deploy scope (default: $HOSTENV_PROVIDER_TOKEN)." };
    private static readonly Option<string?> ReasonOption = new("--reason") { Description = "Why (recorded with the service's job)." };

    public static Command Create(CliConsole console)
    {
        var command = new Command("deploy", "Apply the plan to the nodes over SSH: each node's system generation (atomically, with magic rollback), then its environments' releases (zero-downtime).");
        foreach (var o in new Option[] { NodeOption, DryRunOption, ParallelOption, SkipGateOption, ForceUnlockOption, EnvOption, AllowDirtyOption, ResumeOption, SystemOnlyOption, KeepOldOption, YesOption, RemoteOption, TokenOption, ReasonOption })
        {
            command.Options.Add(o);
        }

        command.SetAction((r, ct) => r.GetValue(RemoteOption) is { } remote
            ? RemoteAsync(remote, r.GetValue(TokenOption) ?? Environment.GetEnvironmentVariable("HOSTENV_PROVIDER_TOKEN"),
                new DeployBody(r.GetValue(EnvOption) is { } e ? [e] : [], r.GetValue(NodeOption) is { } n ? [n] : [], r.GetValue(ReasonOption), r.GetValue(ResumeOption), r.GetValue(SkipGateOption)), console, ct)
            : RunAsync(new DeployArguments(CommonOptions.RepoDir(r), r.GetValue(NodeOption), r.GetValue(DryRunOption),
            Math.Max(1, r.GetValue(ParallelOption)), r.GetValue(SkipGateOption), r.GetValue(ForceUnlockOption), r.GetValue(CommonOptions.Identity),
            r.GetValue(EnvOption), r.GetValue(AllowDirtyOption), r.GetValue(ResumeOption), r.GetValue(SystemOnlyOption), r.GetValue(YesOption), r.GetValue(KeepOldOption)), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(DeployArguments args, CliConsole console, CancellationToken ct)
    {
        if (!args.DryRun)
        {
            console.RequireInteractiveOrYes(args.Yes, "deploy");
        }

        var consoleLock = new object();
        void Progress(string line)
        {
            lock (consoleLock)
            {
                console.Error.WriteLine(line);
            }
        }

        var request = new DeployRequest(args.Node, args.Env, args.DryRun, args.Parallel, args.SkipGate, args.ForceUnlock, args.AllowDirty, args.Resume, args.SystemOnly, args.KeepOld);
        var run = new DeployRun(new FleetAccess(args.RepoDir, args.Identity), Progress, FaultInjection.Clock(TimeProvider.System));
        var result = await run.RunAsync(request, args.Yes || args.DryRun ? null : _ => Task.FromResult(console.Confirm("Deploy these changes?")), ct);
        Provider.Nodes.Diagnostics.Timeline.Mark("deploy: finished (the run's sessions closed)");
        return result.Outcome switch
        {
            DeployOutcome.EmptyFleet => Say(console, "the plan has no nodes: nothing to deploy (add one with `hostenv-provider node add`)", ExitCodes.Success),
            // Like `plan --check`: 2 when something would change, 0 when every node is up to date, 1 when a node could not be asked.
            DeployOutcome.Previewed => !result.PreviewErrors.IsEmpty ? ExitCodes.Error : result.PreviewHasChanges ? ExitCodes.ChangesFound : ExitCodes.Success,
            DeployOutcome.NothingToDo => ExitCodes.Success,
            DeployOutcome.Declined => ExitCodes.Error,
            _ => Render(console, result),
        };
    }

    /// <summary>`deploy --remote URL`: the service runs the job (as `deploy --yes`); its progress lines and result are printed here, its exit code is ours.</summary>
    public static async Task<int> RemoteAsync(string url, string? token, DeployBody body, CliConsole console, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var service) || service.Scheme is not ("http" or "https"))
        {
            throw new UserException($"--remote '{url}' is not an http(s) URL; for example --remote http://127.0.0.1:3333");
        }

        using var client = new ServiceClient(service, token);
        try
        {
            var job = await client.DeployAsync(body, ct);
            console.Error.WriteLine($"job {job.Id} queued at {service} (nodes: {string.Join(", ", job.Nodes)}); following its progress");
            RemoteJobResult result;
            try
            {
                result = await client.FollowAsync(job.Id, line => console.Error.WriteLine(line), ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C here cancels the job there, as it would a local deploy.
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await client.CancelAsync(job.Id, grace.Token);
                console.Error.WriteLine($"cancel sent for job {job.Id}");
                throw;
            }

            // The summary is the job's last progress line already: say only how it ended.
            console.Error.WriteLine($"job {result.Id} {result.State} (exit {result.ExitCode})");
            return result.ExitCode;
        }
        catch (ServiceClientException ex)
        {
            throw new UserException(ex.Message);
        }
    }

    private static int Say(CliConsole console, string line, int exitCode)
    {
        console.Error.WriteLine(line);
        return exitCode;
    }

    /// <summary>The tables and the one-line summary of an applied deploy, and its exit code.</summary>
    private static int Render(CliConsole console, DeployResult result)
    {
        TextTable.Write(console.Out, SystemResultHeader, result.Nodes.Select(n => result.Systems.TryGetValue(n, out var r)
            ? SystemResultRow(r, r.Error ?? (result.AcmeFailures.ContainsKey(n) ? "ACME incomplete: placeholder certificates still served" : ""))
            : [n, "error", "", "", result.NodeErrors.GetValueOrDefault(n, "not deployed")]));
        if (!result.Environments.IsEmpty)
        {
            console.Out.WriteLine();
            TextTable.Write(console.Out, ["NODE", "ENVIRONMENT", "RESULT", "RELEASE", "TIME", "DETAIL"], result.Environments.Select(e => new[]
            {
                e.Node, e.Env, e.Result.Outcome.ToString().ToLowerInvariant(), e.Result.Release ?? "-",
                e.Result.Duration.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "s",
                FirstLine(e.Result.Error) ?? result.VerifyFailures.GetValueOrDefault((e.Node, e.Env)) ?? "",
            }));
            foreach (var failed in result.Environments.Where(e => e.Result.Error is not null).OrderBy(e => e.Env, StringComparer.Ordinal))
            {
                console.Error.WriteLine($"\n{failed.Node}/{failed.Env}: {failed.Result.Error}");
            }
        }

        console.Error.WriteLine("\n" + result.Summary);
        return result.ExitCode;
    }

    private static string? FirstLine(string? text) => text?.Split('\n')[0];

    /// <summary>The table deploy and `rollback --node` print: one row per node's system stage.</summary>
    internal static readonly string[] SystemResultHeader = ["NODE", "RESULT", "FROM", "TO", "DETAIL"];

    internal static string[] SystemResultRow(SystemStageResult r, string detail) =>
        [r.Node, r.Outcome.ToString().ToLowerInvariant(), Short(r.FromGeneration), Short(r.ToGeneration), detail];

    private static string Short(string? id) => string.IsNullOrEmpty(id) ? "-" : GenerationHistory.Short(id);
}
