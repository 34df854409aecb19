using System.CommandLine;
using Provider.Cli.Output;
using Provider.Nodes.Engine;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;

namespace Provider.Cli.Commands;

public sealed record LockUpdateArguments(string RepoDir, string? Project);

/// <summary>`lock update [PROJECT]`: resolve git project refs to commits and pin them in provider.lock.</summary>
public static class LockCommand
{
    private static readonly Argument<string?> ProjectArgument = new("project")
    {
        Description = "Only this project (default: every git project).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static Command Create(CliConsole console)
    {
        var update = new Command("update", "Pin every git project (or one) to the current commit of its ref.");
        update.Arguments.Add(ProjectArgument);
        update.SetAction((r, ct) => UpdateAsync(new LockUpdateArguments(CommonOptions.RepoDir(r), r.GetValue(ProjectArgument)), console, ct));
        var command = new Command("lock", "Manage provider.lock, the pins of git project sources.");
        command.Subcommands.Add(update);
        return command;
    }

    public static async Task<int> UpdateAsync(LockUpdateArguments args, CliConsole console, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        using var repoLock = RepoLocking.Acquire(repo, "lock update", console);
        LockUpdateResult result;
        try
        {
            result = await new LockUpdateRun(args.RepoDir, new GitSource(GitSource.DefaultCacheRoot())).RunAsync(args.Project, ct);
        }
        catch (OperationRefusedException ex)
        {
            throw new UserException(ex.Message);
        }

        if (!result.Diagnostics.IsEmpty)
        {
            DiagnosticPrinter.Print(console, result.Diagnostics);
            return ExitCodes.Error;
        }

        foreach (var change in result.Changes)
        {
            console.Error.WriteLine(change.Describe());
            if (change.Error is not null)
            {
                console.Error.WriteLine("  hint: check the URL, the ref and your access to the repository");
            }
        }

        if (result.Failed)
        {
            console.Error.WriteLine("provider.lock was not changed.");
            return ExitCodes.Error;
        }

        console.Error.WriteLine(result.Wrote ? "Wrote provider.lock; run `hostenv-provider plan` to use the new pins." : "provider.lock is up to date.");
        return ExitCodes.Success;
    }
}
