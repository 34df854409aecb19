using System.Collections.Immutable;
using System.Net;
using Provider.Monitor.Jobs;
using Provider.Nodes.Engine;
using Provider.Nodes.Fleet;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Planning.Model;

namespace Provider.Monitor.Push;

/// <summary>How push jobs run: the DNS servers dns-gate asks (empty: the system's), and the host named in the commit author "hostenv-provider &lt;serve@HOST&gt;".</summary>
public sealed record PushOptions(ImmutableArray<IPEndPoint> Nameservers, string AuthorHost)
{
    public static PushOptions Default { get; } = new([], Environment.MachineName);
}

/// <summary>
/// A push job (Issue 13 item 3), the CLI's steps in order: `lock update PROJECT` for each project that follows the
/// ref, `plan`, `dns-gate` for the nodes of its environments, a deploy of each environment, and a commit of
/// provider.lock and generated/ in the provider repo (pushed to origin when there is one; a failed push is a warning).
/// The repo lock is held while the provider repo is written. If plan fails, provider.lock is put back as it was, so the
/// working tree never holds pins that no plan uses.
/// </summary>
public sealed class PushPipeline(string repoDir, string? identity, PushOptions options, Action<string> progress, TimeProvider clock)
{
    public delegate Task<(int ExitCode, string Summary)> Deploy(FleetAccess fleet, IEnumerable<DeployRequest> requests, CancellationToken ct);

    public async Task<(JobState State, int ExitCode, string Summary)> RunAsync(Job job, Deploy deploy, CancellationToken ct)
    {
        var push = job.Request.Push ?? throw new OperationRefusedException("a push job without its pushed ref");
        var git = new GitSource(GitSource.DefaultCacheRoot());
        var repo = new ProviderRepository(repoDir);
        var revs = new List<string>();
        using (var repoLock = RepoLock.Acquire(repo.Root, $"push job {job.Id}", clock))
        {
            var lockBefore = File.Exists(repo.FullPath(ProviderLock.FileName)) ? await File.ReadAllBytesAsync(repo.FullPath(ProviderLock.FileName), ct) : null;
            foreach (var project in push.Projects)
            {
                progress($"lock update {project}");
                var locked = await new LockUpdateRun(repoDir, git).RunAsync(project, ct);
                foreach (var line in locked.Diagnostics.Select(d => d.Format()).Concat(locked.Changes.Select(c => c.Describe())))
                {
                    progress(line);
                }

                if (locked.Failed)
                {
                    await RestoreLockAsync(repo, lockBefore);
                    return (JobState.Failed, 1, $"lock update {project} failed; provider.lock was not changed");
                }

                revs.AddRange(locked.Changes.Select(c => $"{c.Project} {c.NewRev?[..Math.Min(12, c.NewRev.Length)]}"));
            }

            progress("plan");
            var plan = await new PlanRun(repoDir, git).RunAsync(false, ct);
            foreach (var d in plan.Diagnostics)
            {
                progress(d.Format());
            }

            if (!plan.Success || plan.Changes is null)
            {
                await RestoreLockAsync(repo, lockBefore);
                return (JobState.Failed, 1, "plan failed (errors above); provider.lock and generated/ were not changed");
            }

            progress(plan.Changes.ToText().TrimEnd('\n'));
            progress(plan.Written.Length == 0 ? $"generated/ is up to date ({plan.Summary})" : $"wrote {string.Join(" and ", plan.Written)} ({plan.Summary})");

            var fleet = new FleetAccess(repoDir, identity);
            var environments = job.Request.Environments.Where(e => fleet.Plan.Environments.ContainsKey(e)).ToList();
            foreach (var gone in job.Request.Environments.Except(environments, StringComparer.Ordinal))
            {
                progress($"{gone}: no longer in the plan; not deployed");
            }

            if (!job.Request.SkipGate)
            {
                foreach (var node in environments.Select(e => fleet.Plan.Environments[e].Node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                {
                    progress($"dns-gate --node {node}");
                    var gate = await new DnsGateRun(repoDir, progress, clock).RunAsync(new DnsGateRequest(node, false, options.Nameservers), ct);
                    foreach (var d in gate.Decisions)
                    {
                        progress($"  {d.Vhost}: {Provider.Planning.Gate.GateDecision.StatusName(d.Status)}: {d.Reason}");
                    }
                }
            }
        }

        var fleetAfter = new FleetAccess(repoDir, identity);
        var targets = job.Request.Environments.Where(e => fleetAfter.Plan.Environments.ContainsKey(e)).ToList();
        int exitCode;
        string summary;
        try
        {
            (exitCode, summary) = targets.Count == 0 ? (0, "no environment left to deploy")
                : await deploy(fleetAfter, targets.Select(e => new DeployRequest(Env: e, SkipGate: job.Request.SkipGate)), ct);
        }
        catch (Exception ex)
        {
            // The deploy did not finish (refused, unreachable node, cancelled): the new pins and plan are still the repo's
            // truth, so they are committed rather than left in the working tree for the next job to sweep up.
            await CommitAsync(job, push, revs, 1, "did not finish: " + ex.Message.Split('\n')[0], CancellationToken.None);
            throw;
        }

        await CommitAsync(job, push, revs, exitCode, summary, ct);
        return (exitCode == 0 ? JobState.Succeeded : JobState.Failed, exitCode, summary);
    }

    /// <summary>The provider repo change as a git commit (the pins and generated files are valid whatever the deploy did; its outcome is in the message).</summary>
    private async Task CommitAsync(Job job, PushedRef push, List<string> revs, int exitCode, string summary, CancellationToken ct)
    {
        var git = new ProviderRepoGit(repoDir);
        if (!await git.IsRepositoryAsync(ct))
        {
            progress("warning: the provider repo is not a git repository; the change is not committed");
            return;
        }

        var subject = $"push {string.Join(", ", push.Projects)} {push.Ref} → {string.Join(", ", revs.Select(r => r.Split(' ')[^1]).Distinct(StringComparer.Ordinal))} (job {job.Id})";
        var body = $"Pushed {push.Ref}" + (push.Rev is null ? "" : $" at {push.Rev}") + $" of {push.Repository}.\n" +
            $"Pinned: {string.Join(", ", revs)}.\nDeploy of {string.Join(", ", job.Request.Environments)}: {(exitCode == 0 ? "succeeded" : $"failed (exit {exitCode})")}: {summary}\n" +
            $"By {job.Origin.Actor} via {job.Origin.Via}, hostenv-provider job {job.Id}.";
        using var repoLock = RepoLock.Acquire(repoDir, $"push job {job.Id} commit", clock);
        var commit = await git.CommitAsync([ProviderLock.FileName, "generated"], subject + "\n\n" + body, "hostenv-provider", $"serve@{options.AuthorHost}", ct);
        if (commit.Rev is null)
        {
            progress("provider repo: nothing changed, nothing committed");
            return;
        }

        progress($"provider repo: committed {commit.Rev[..Math.Min(12, commit.Rev.Length)]} {subject}");
        if (commit.PushError is { } error)
        {
            progress($"warning: pushing the provider repo to origin failed: {error.Split('\n')[0]}");
        }
        else if (commit.Pushed)
        {
            progress("provider repo: pushed to origin");
        }
    }

    private static async Task RestoreLockAsync(ProviderRepository repo, byte[]? before)
    {
        var path = repo.FullPath(ProviderLock.FileName);
        if (before is null)
        {
            File.Delete(path);
        }
        else
        {
            await File.WriteAllBytesAsync(path, before);
        }
    }
}
