using Provider.Nodes.Fleet;
using System.CommandLine;
using System.Text.Json.Nodes;
using Provider.Nodes.Repository;
using Provider.Planning.Render;

namespace Provider.Cli.Commands;

public sealed record NodesBuildArguments(string RepoDir, string Node, string? Out);

/// <summary>`nodes build NODE [--out DIR]`: render a node's system generation locally, exactly as deploy would upload it.</summary>
public static class NodesBuildCommand
{
    private static readonly Argument<string> NodeArgument = new("node") { Description = "The node to render." };
    private static readonly Option<string?> OutOption = new("--out") { Description = "Directory to write the generation into (default: generated/nodes/NODE)." };

    public static Command Create(CliConsole console)
    {
        var build = new Command("build", "Render a node's system generation (nginx, systemd, users, ACME) from generated/plan.json.");
        build.Arguments.Add(NodeArgument);
        build.Options.Add(OutOption);
        build.SetAction((r, _) => Task.FromResult(Run(new NodesBuildArguments(CommonOptions.RepoDir(r), r.GetValue(NodeArgument) ?? "", r.GetValue(OutOption)), console)));
        var nodes = new Command("nodes", "Work with rendered node generations.");
        nodes.Subcommands.Add(build);
        return nodes;
    }

    public static int Run(NodesBuildArguments args, CliConsole console)
    {
        var repo = new ProviderRepository(args.RepoDir);
        var (typed, plan) = FleetAccess.Load(args.RepoDir);
        if (!typed.Nodes.ContainsKey(args.Node))
        {
            var known = string.Join(", ", typed.Nodes.Keys);
            throw new UserException($"node '{args.Node}' is not in the plan" + (known.Length > 0 ? "; nodes: " + known : ""));
        }

        var generation = NodeRenderer.Render(plan, args.Node);
        var outDir = Path.GetFullPath(args.Out ?? repo.FullPath($"generated/nodes/{args.Node}"));
        // Build beside the target and swap, so the directory is the old tree or the new one, never a mix.
        var staging = outDir + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        foreach (var file in generation.Files)
        {
            var path = Path.Combine(staging, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path) ?? staging);
            File.WriteAllBytes(path, file.Content);
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(file.Mode, 8));
        }

        if (Directory.Exists(outDir))
        {
            Directory.Delete(outDir, recursive: true);
        }

        Directory.Move(staging, outDir);
        console.Error.WriteLine($"{args.Node}: generation {generation.Id[..16]} ({generation.Files.Length} files) written to {outDir}");
        return ExitCodes.Success;
    }
}
