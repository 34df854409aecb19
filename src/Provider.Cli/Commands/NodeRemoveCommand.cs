using System.CommandLine;
using Provider.Cli.Output;
using Provider.Nodes.Fleet;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;

namespace Provider.Cli.Commands;

public sealed record NodeRemoveArguments(string RepoDir, string Name, bool Yes);

/// <summary>
/// `node remove NAME`: forgets a node in the provider repo. It refuses while the inputs still place an environment on
/// it, and never touches the server: what to do there is printed instead.
/// </summary>
public static class NodeRemoveCommand
{
    private static readonly Argument<string> NameArgument = new("name") { Description = "The node to forget (nodes/<name>/)." };
    private static readonly Option<bool> YesOption = new("--yes") { Description = "Do not ask for confirmation (required without a terminal)." };

    public static Command Create(CliConsole console)
    {
        var remove = new Command("remove", "Forget a node: delete nodes/NAME/ once no environment is placed on it. The server is not touched.");
        remove.Arguments.Add(NameArgument);
        remove.Options.Add(YesOption);
        remove.SetAction((r, ct) => RunAsync(new NodeRemoveArguments(CommonOptions.RepoDir(r), r.GetValue(NameArgument) ?? "", r.GetValue(YesOption)), console, ct));
        return remove;
    }

    public static async Task<int> RunAsync(NodeRemoveArguments args, CliConsole console, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        var nodeFile = $"nodes/{args.Name}/node.yaml";
        if (args.Name.Contains('/', StringComparison.Ordinal) || args.Name.StartsWith('.') || !File.Exists(repo.FullPath(nodeFile)))
        {
            var known = NodeInventory.Load(repo).Nodes.Select(n => n.Name).ToList();
            throw new UserException($"no node '{args.Name}' in nodes/" + (known.Count == 0 ? "" : $" (known: {string.Join(", ", known)})"));
        }

        using var repoLock = RepoLocking.Acquire(repo, "node remove", console);
        var check = await NodeRegistry.CheckRemovalAsync(repo, args.Name, new GitSource(GitSource.DefaultCacheRoot()), ct);
        if (!check.InputErrors.IsEmpty)
        {
            DiagnosticPrinter.Print(console, check.InputErrors);
            throw new UserException($"the inputs do not plan cleanly, so it cannot be told what still uses '{args.Name}'; fix them, then remove the node");
        }

        if (!check.CanRemove)
        {
            console.Error.WriteLine($"node '{args.Name}' is still in use:");
            foreach (var env in check.PlacedEnvironments)
            {
                console.Error.WriteLine($"  environment {env.UserName} ({env.Manifest.ProjectName}/{env.Spec.Name}, {env.Manifest.Source.File}) runs on it");
            }

            if (!check.ErrorsWithoutNode.IsEmpty)
            {
                console.Error.WriteLine("without it, planning would fail with:");
                foreach (var d in check.ErrorsWithoutNode)
                {
                    console.Error.WriteLine("  " + d.Format().Replace("\n", "\n  ", StringComparison.Ordinal));
                }
            }

            throw new UserException($"move those environments to another node (environments.<name>.node in the manifest, or nodeFor in provider.yaml) " +
                $"or disable them, run `hostenv-provider plan` and `hostenv-provider deploy`, then remove '{args.Name}'");
        }

        if (!check.MovedAway.IsEmpty)
        {
            console.Error.WriteLine($"note: moved away from '{args.Name}': {string.Join(", ", check.MovedAway)}; deploy them on their new node before you retire the server.");
        }

        if (!args.Yes)
        {
            if (!console.Interactive)
            {
                throw new UserException($"not a terminal: pass --yes to remove node '{args.Name}'");
            }

            if (!console.Confirm($"Delete nodes/{args.Name}/ from the provider repo (the server is not touched)?"))
            {
                console.Error.WriteLine("Nothing removed.");
                return ExitCodes.Error;
            }
        }

        NodeRegistry.Remove(repo, args.Name);
        console.Error.WriteLine($"Removed nodes/{args.Name}/. Next: run `hostenv-provider plan` to drop '{args.Name}' from generated/plan.json, and commit.");
        if (!check.StaleReservations.IsEmpty)
        {
            console.Error.WriteLine($"Reservations of gone environments still name '{args.Name}' ({string.Join(", ", check.StaleReservations)}); " +
                "release them with `hostenv-provider state prune --offline --yes` (the node can no longer be asked whether their users are gone).");
        }

        var users = check.FormerUsers.IsEmpty ? "(none recorded in generated/state.json)" : string.Join(" ", check.FormerUsers);
        console.Error.WriteLine($"""
            hostenv-provider never touches a server it forgets. To retire '{args.Name}' itself, on the server:
              systemctl disable --now 'hostenv-*'
              rm -f /etc/nginx/conf.d/hostenv.conf /etc/systemd/system/hostenv-*; systemctl daemon-reload; systemctl reload nginx
              for u in {users}; do userdel -r "$u"; done    # their UIDs stay reserved in generated/state.json
              rm -rf /var/lib/hostenv /etc/hostenv /var/log/hostenv
            """);
        return ExitCodes.Success;
    }
}
