using Provider.Nodes.Fleet;
using System.CommandLine;
using System.Text;
using Provider.Cli.Output;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Planning.Output;
using Provider.Planning.Planner;
using Provider.Planning.Summary;

namespace Provider.Cli.Commands;

public sealed record PlanArguments(string RepoDir, bool Check, string Format = "text");

/// <summary>`plan [--check]`: run the pure planner; write generated/ (or compare with it).</summary>
public static class PlanCommand
{
    private static readonly Option<bool> CheckOption = new("--check")
    {
        Description = "Write nothing; exit 0 when generated/ is up to date, 2 with a diff when it drifted.",
    };

    public static Command Create(CliConsole console)
    {
        var command = new Command("plan", "Plan the fleet: write generated/plan.json and generated/state.json.");
        command.Options.Add(CheckOption);
        command.Options.Add(CommonOptions.Format);
        command.SetAction((result, ct) => RunAsync(
            new PlanArguments(CommonOptions.RepoDir(result), result.GetValue(CheckOption), result.GetValue(CommonOptions.Format) ?? "text"), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(PlanArguments args, CliConsole console, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        // --check only reads (and writes are atomic), so it does not wait for the lock.
        using var repoLock = args.Check ? null : RepoLocking.Acquire(repo, "plan", console);
        var (input, loadDiagnostics) = await repo.LoadPlanInputAsync(new GitSource(GitSource.DefaultCacheRoot()), ct);
        if (input is null)
        {
            DiagnosticPrinter.Print(console, loadDiagnostics);
            return ExitCodes.Error;
        }

        var result = FleetPlanner.Plan(input);
        var diagnostics = loadDiagnostics.Concat(result.Diagnostics).ToList();
        if (!result.Success || diagnostics.Any(d => d.IsError) || result.PlanJson is null || result.StateJson is null || result.Fleet is null)
        {
            DiagnosticPrinter.Print(console, diagnostics);
            return ExitCodes.Error;
        }

        DiagnosticPrinter.Print(console, diagnostics); // warnings only

        // What changes against the committed files, grouped by node (text on stderr, or JSON alone on stdout).
        var changes = PlanSummary.Compare(
            repo.ReadText(ProviderRepository.PlanFile)?.Text, repo.ReadText(ProviderRepository.StateFile)?.Text,
            Encoding.UTF8.GetString(result.PlanJson), Encoding.UTF8.GetString(result.StateJson));
        if (args.Format == "json")
        {
            console.Out.Write(Encoding.UTF8.GetString(changes.ToJson()));
        }
        else
        {
            console.Error.Write(changes.ToText());
        }

        if (args.Check)
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

            if (drift.Length == 0)
            {
                console.Error.WriteLine($"generated/ is up to date ({Summary(result.Fleet)}).");
                return ExitCodes.Success;
            }

            if (args.Format != "json")
            {
                console.Out.Write(drift.ToString());
            }

            console.Error.WriteLine("generated/ differs from what the inputs produce; run `hostenv-provider plan` and commit the result.");
            return ExitCodes.ChangesFound;
        }

        var changed = repo.WritePlan(result.PlanJson, result.StateJson);
        console.Error.WriteLine(changed.Length == 0
            ? $"No changes: generated/ is up to date ({Summary(result.Fleet)})."
            : $"Wrote {string.Join(" and ", changed)} ({Summary(result.Fleet)}).");
        return ExitCodes.Success;
    }

    private static string Summary(PlannedFleet fleet)
    {
        var enabled = fleet.Environments.Count(e => e.Enabled);
        var disabled = fleet.Environments.Length - enabled;
        return $"{fleet.Nodes.Length} node{(fleet.Nodes.Length == 1 ? "" : "s")}, {enabled} enabled environment{(enabled == 1 ? "" : "s")}"
            + (disabled > 0 ? $", {disabled} disabled" : "");
    }
}
