using System.CommandLine;
using System.Text;
using Provider.Cli.Output;
using Provider.Nodes.Engine;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;

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
        var result = await new PlanRun(args.RepoDir, new GitSource(GitSource.DefaultCacheRoot())).RunAsync(args.Check, ct);
        DiagnosticPrinter.Print(console, result.Diagnostics); // on success: warnings only
        if (!result.Success || result.Changes is null)
        {
            return ExitCodes.Error;
        }

        // What changes against the committed files, grouped by node (text on stderr, or JSON alone on stdout).
        if (args.Format == "json")
        {
            console.Out.Write(Encoding.UTF8.GetString(result.Changes.ToJson()));
        }
        else
        {
            console.Error.Write(result.Changes.ToText());
        }

        if (args.Check)
        {
            if (result.Drift.Length == 0)
            {
                console.Error.WriteLine($"generated/ is up to date ({result.Summary}).");
                return ExitCodes.Success;
            }

            if (args.Format != "json")
            {
                console.Out.Write(result.Drift);
            }

            console.Error.WriteLine("generated/ differs from what the inputs produce; run `hostenv-provider plan` and commit the result.");
            return ExitCodes.ChangesFound;
        }

        console.Error.WriteLine(result.Written.Length == 0
            ? $"No changes: generated/ is up to date ({result.Summary})."
            : $"Wrote {string.Join(" and ", result.Written)} ({result.Summary}).");
        return ExitCodes.Success;
    }
}
