using System.CommandLine;
using Provider.Nodes.Engine;
using Provider.Nodes.Fleet;
using Provider.Nodes.Sources;

namespace Provider.Cli.Commands;

public sealed record PullArguments(string RepoDir, string Environment, bool Commit, string? Message, string? Identity);

/// <summary>`pull ENV [--commit] [-m MSG]`: edits made in place in the live release come back into the project's source.</summary>
public static class PullCommand
{
    private static readonly Argument<string> EnvArgument = new("ENV") { Description = "The environment (userName or project/environment)." };
    private static readonly Option<bool> CommitOption = new("--commit") { Description = "Commit the pulled files in the path source's git repository." };
    private static readonly Option<string?> MessageOption = new("--message", "-m") { Description = "The commit message (with --commit)." };

    public static Command Create(CliConsole console)
    {
        var command = new Command("pull", "Bring files edited, added or removed in place in an environment's live release (drift) into its path source's working tree and show the git diff " +
            "(--commit commits them); for a git source, write a patch file. Never host-local overrides, secrets or data directories; refuses a working tree with uncommitted changes.");
        command.Arguments.Add(EnvArgument);
        command.Options.Add(CommitOption);
        command.Options.Add(MessageOption);
        command.SetAction((r, ct) => RunAsync(new PullArguments(CommonOptions.RepoDir(r), r.GetValue(EnvArgument) ?? "", r.GetValue(CommitOption), r.GetValue(MessageOption),
            r.GetValue(CommonOptions.Identity)), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(PullArguments args, CliConsole console, CancellationToken ct)
    {
        if (args.Message is not null && !args.Commit)
        {
            throw new UserException("-m/--message goes with --commit; add --commit or leave out the message");
        }

        var result = await PullRun.RunAsync(new FleetAccess(args.RepoDir, args.Identity), new PullRequest(args.Environment, args.Commit, args.Message),
            new GitSource(GitSource.DefaultCacheRoot()), ct);
        if (result.Drift.IsEmpty)
        {
            console.Error.WriteLine($"{result.Environment}: release {result.Release} on {result.Node} matches its manifest: nothing to pull.");
            return ExitCodes.Success;
        }

        console.Error.WriteLine($"{result.Environment}: release {result.Release} on {result.Node}: {result.Drift.Length} file(s) changed in place (+ added, - removed, ~ changed):");
        foreach (var e in result.Applied)
        {
            console.Error.WriteLine($"  {e}  pulled");
        }

        foreach (var s in result.Skipped)
        {
            console.Error.WriteLine($"  {s.Entry}  left alone: {s.Why}");
        }

        console.Out.Write(result.Diff);
        if (result.PatchFile is { } patch)
        {
            console.Error.WriteLine($"wrote {patch}: apply it in the project's git repository (`git apply {Path.GetFileName(patch)}`), commit, push, then `hostenv-provider lock update` and deploy.");
        }
        else if (result.Commit is { } commit)
        {
            console.Error.WriteLine($"committed {commit[..Math.Min(12, commit.Length)]} in {result.SourceDir}; `hostenv-provider plan` and `deploy --env {result.Environment}` make it a release.");
        }
        else if (!result.Applied.IsEmpty)
        {
            console.Error.WriteLine($"the edits are in {result.SourceDir} (not committed); review the diff, commit (or run pull with --commit), then deploy.");
        }

        return ExitCodes.Success;
    }
}
