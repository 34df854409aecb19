using System.Collections.Immutable;
using Provider.Monitor.Jobs;
using Provider.Nodes.Engine;
using Provider.Nodes.Fleet;
using Provider.Nodes.Repository;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;

namespace Provider.Monitor.Push;

/// <summary>A received push: the queued job, or (Job null) why nothing was queued.</summary>
public sealed record PushReceived(Job? Job, string Message);

/// <summary>
/// Where pushes arrive (webhooks and the post-receive hook): finds what follows the pushed ref in the provider repo
/// and queues one <see cref="JobKind.Push"/> job for it.
/// </summary>
public sealed class PushReceiver(string repoDir, IJobQueue queue)
{
    /// <param name="repositories">Every URL the push names for its repository (clone, ssh, ...), or a bare repository's path.</param>
    public async Task<PushReceived> ReceiveAsync(IReadOnlyList<string> repositories, string pushedRef, string? rev, JobOrigin origin, CancellationToken ct)
    {
        var match = Match(repositories, pushedRef);
        var named = repositories.Count > 0 ? repositories[0] : "(no repository)";
        if (match.IsEmpty)
        {
            return new PushReceived(null, $"no environment follows {pushedRef} of {named}");
        }

        var request = new JobRequest(JobKind.Push, match.Environments, [], Push: new PushedRef(named, pushedRef, rev, match.Projects));
        var job = await queue.EnqueueAsync(request, origin, ct);
        return new PushReceived(job, $"job {job.Id}: push {pushedRef} of {named}: {string.Join(", ", match.Projects)} → {string.Join(", ", match.Environments)}");
    }

    public PushMatch Match(IReadOnlyList<string> repositories, string pushedRef)
    {
        var repo = new ProviderRepository(repoDir);
        var diagnostics = new DiagnosticBag();
        var file = repo.ReadText(ProviderRepository.ProviderFile)
            ?? throw new OperationRefusedException($"no {ProviderRepository.ProviderFile} in {repo.Root}");
        var config = InputBinder.ReadProvider(file, diagnostics);
        if (config is null || diagnostics.HasErrors)
        {
            throw new OperationRefusedException($"{ProviderRepository.ProviderFile} has errors; run `hostenv-provider plan` to see them", [.. diagnostics.Sorted()]);
        }

        return PushMatcher.Match(config, FleetAccess.Load(repoDir).Plan, repositories, pushedRef);
    }

    /// <summary>"push REF ABCDEF1": a job's reason.</summary>
    public static string Reason(string pushedRef, string? rev) =>
        $"push {pushedRef}" + (string.IsNullOrEmpty(rev) ? "" : " " + rev[..Math.Min(7, rev.Length)]);
}
