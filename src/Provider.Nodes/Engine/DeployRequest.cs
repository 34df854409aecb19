using System.Collections.Immutable;
using Provider.Nodes.Apply;

namespace Provider.Nodes.Engine;

/// <summary>What to deploy and how: the CLI's deploy options, and what the fleet service's deploy API will take.</summary>
public sealed record DeployRequest(
    string? Node = null,
    string? Env = null,
    bool DryRun = false,
    int Parallel = 10,
    bool SkipGate = false,
    bool ForceUnlock = false,
    bool AllowDirty = false,
    bool Resume = false,
    bool SystemOnly = false,
    bool KeepOld = false);

/// <summary>How a deploy run ended, before any node result is looked at.</summary>
public enum DeployOutcome
{
    /// <summary>The plan has no node: nothing to deploy.</summary>
    EmptyFleet,

    /// <summary>A dry run (the previews are in the result).</summary>
    Previewed,

    /// <summary>The preview showed nothing to change; nothing was asked or done.</summary>
    NothingToDo,

    /// <summary>The person asked said no; nothing was changed.</summary>
    Declined,

    /// <summary>The nodes were deployed (each node's and environment's result says how).</summary>
    Applied,
}

/// <summary>
/// A deploy run as data: what every front end renders (the CLI as tables and a summary line, the service as JSON).
/// Node and environment results are in node then environment order.
/// </summary>
public sealed record DeployResult(
    DeployOutcome Outcome,
    ImmutableArray<string> Nodes,
    ImmutableArray<NodePreview> Previews,
    ImmutableSortedDictionary<string, string> PreviewErrors,
    ImmutableSortedDictionary<string, SystemStageResult> Systems,
    ImmutableSortedDictionary<string, string> NodeErrors,
    ImmutableSortedDictionary<string, string> AcmeFailures,
    ImmutableArray<(string Node, string Env, EnvironmentResult Result)> Environments,
    ImmutableDictionary<(string Node, string Env), string> VerifyFailures,
    TimeSpan Elapsed)
{
    public bool PreviewHasChanges => Previews.Any(p => p.Changes);

    public bool RolledBack => Systems.Values.Any(r => r.Outcome == SystemOutcome.RolledBack);

    /// <summary>No node failed, every environment deployed or up to date, every enforced check passed.</summary>
    public bool Succeeded => NodeErrors.IsEmpty
        && Systems.Values.All(r => r.Outcome is SystemOutcome.Activated or SystemOutcome.UpToDate)
        && Environments.All(e => e.Result.Outcome is not EnvironmentOutcome.Failed) && VerifyFailures.IsEmpty;

    public int Count(EnvironmentOutcome outcome) => Environments.Count(e => e.Result.Outcome == outcome);

    /// <summary>The exit code of an applied deploy for every front end: 3 a node rolled back, 0 succeeded, 1 otherwise.</summary>
    public int ExitCode => RolledBack ? 3 : Succeeded ? 0 : 1;

    /// <summary>The one-line summary of an applied deploy (the CLI's last line, a service job's result).</summary>
    public string Summary
    {
        get
        {
            var systems = Systems.Values;
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{(Succeeded ? "done" : "FAILED")} in {Elapsed.TotalSeconds:0.0} s: {systems.Count(r => r.Outcome == SystemOutcome.Activated)} node(s) switched generation, " +
                $"{systems.Count(r => r.Outcome == SystemOutcome.UpToDate)} up to date, {systems.Count(r => r.Outcome is SystemOutcome.RolledBack or SystemOutcome.Failed) + NodeErrors.Count} failed; " +
                $"{Count(EnvironmentOutcome.Deployed)} environment(s) deployed, {Count(EnvironmentOutcome.UpToDate)} up to date, {Count(EnvironmentOutcome.Failed) + VerifyFailures.Count} failed");
        }
    }
}
