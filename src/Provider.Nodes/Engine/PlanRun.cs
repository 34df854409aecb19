using System.Collections.Immutable;
using System.Text;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Planning.Diagnostics;
using Provider.Planning.Output;
using Provider.Planning.Planner;
using Provider.Planning.Summary;

namespace Provider.Nodes.Engine;

/// <summary>
/// A plan run as data. Success false: the diagnostics hold the errors and nothing was written. Otherwise Changes
/// compares with the committed files; with Check, Drift is the unified diff of generated/ (empty: up to date) and
/// nothing is written; without, Written names the files that changed.
/// </summary>
public sealed record PlanRunResult(
    bool Success, ImmutableArray<Diagnostic> Diagnostics, PlanChanges? Changes, string Drift, ImmutableArray<string> Written, string Summary);

/// <summary>
/// `plan [--check]` (DESIGN §5): loads the inputs at their pinned commits, runs the pure planner, and writes
/// generated/ (atomically, only without errors) or compares with it. The caller holds the repo lock when not checking.
/// </summary>
public sealed class PlanRun(string repoDir, GitSource git)
{
    public async Task<PlanRunResult> RunAsync(bool check, CancellationToken ct)
    {
        var repo = new ProviderRepository(repoDir);
        var (input, loadDiagnostics) = await repo.LoadPlanInputAsync(git, ct);
        if (input is null)
        {
            return new PlanRunResult(false, loadDiagnostics, null, "", [], "");
        }

        var result = FleetPlanner.Plan(input);
        var diagnostics = loadDiagnostics.Concat(result.Diagnostics).ToImmutableArray();
        if (!result.Success || diagnostics.Any(d => d.IsError) || result.PlanJson is null || result.StateJson is null || result.Fleet is null)
        {
            return new PlanRunResult(false, diagnostics, null, "", [], "");
        }

        var changes = PlanSummary.Compare(
            repo.ReadText(ProviderRepository.PlanFile)?.Text, repo.ReadText(ProviderRepository.StateFile)?.Text,
            Encoding.UTF8.GetString(result.PlanJson), Encoding.UTF8.GetString(result.StateJson));
        var summary = Summary(result.Fleet);
        if (check)
        {
            var drift = new StringBuilder();
            foreach (var (file, expected) in new[] { (ProviderRepository.PlanFile, result.PlanJson), (ProviderRepository.StateFile, result.StateJson) })
            {
                var committed = repo.ReadText(file)?.Text ?? "";
                var wanted = Encoding.UTF8.GetString(expected);
                if (committed != wanted)
                {
                    drift.Append(UnifiedDiff.Create("a/" + file, "b/" + file, committed, wanted));
                }
            }

            return new PlanRunResult(true, diagnostics, changes, drift.ToString(), [], summary);
        }

        return new PlanRunResult(true, diagnostics, changes, "", repo.WritePlan(result.PlanJson, result.StateJson), summary);
    }

    private static string Summary(PlannedFleet fleet)
    {
        var enabled = fleet.Environments.Count(e => e.Enabled);
        var disabled = fleet.Environments.Length - enabled;
        return $"{fleet.Nodes.Length} node{(fleet.Nodes.Length == 1 ? "" : "s")}, {enabled} enabled environment{(enabled == 1 ? "" : "s")}"
            + (disabled > 0 ? $", {disabled} disabled" : "");
    }
}
