using Provider.Nodes.Engine;
using Provider.Nodes.Locking;
using System.CommandLine;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Fleet;
using Provider.Nodes.Repository;
using Provider.Nodes.Ssh;
using Provider.Planning.Output;

namespace Provider.Cli.Commands;

public sealed record NodeAddArguments(string RepoDir, string Name, string Address, int Port, string User, bool Yes);

public sealed record NodeCheckArguments(string RepoDir, string? Name, string Format, string? Identity);

public sealed record NodeBootstrapArguments(string RepoDir, string Name, string? Identity, bool ForceUnlock = false);

/// <summary>`node add|list|remove|check|bootstrap`: the servers under management.</summary>
public static class NodeCommand
{
    private static readonly Argument<string> NameArgument = new("name") { Description = "The node's name (nodes/<name>/node.yaml)." };
    private static readonly Argument<string?> OptionalName = new("name") { Description = "Only this node.", Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<string> AddressOption = new("--address") { Description = "SSH host name or IP.", Required = true };
    private static readonly Option<int> PortOption = new("--port") { Description = "SSH port.", DefaultValueFactory = _ => 22 };
    private static readonly Option<string> UserOption = new("--user") { Description = "SSH user (with passwordless sudo).", DefaultValueFactory = _ => "deploy" };
    private static readonly Option<bool> YesOption = new("--yes") { Description = "Trust the presented host key without asking." };
    private static readonly Option<bool> ForceUnlockOption = new("--force-unlock") { Description = "Remove the node's lock first (only when its holder is known to be dead)." };

    public static Command Create(CliConsole console)
    {
        var add = new Command("add", "Record a new node: connect once, show its host key and pin it in nodes/NAME/node.yaml.");
        add.Arguments.Add(NameArgument);
        add.Options.Add(AddressOption);
        add.Options.Add(PortOption);
        add.Options.Add(UserOption);
        add.Options.Add(YesOption);
        add.SetAction((r, ct) => AddAsync(new NodeAddArguments(
            CommonOptions.RepoDir(r), r.GetValue(NameArgument) ?? "", r.GetValue(AddressOption) ?? "", r.GetValue(PortOption), r.GetValue(UserOption) ?? "deploy", r.GetValue(YesOption)), console, ct));

        var check = new Command("check", "Check every node (or one): SSH, OS, systemd, nginx, disk, clock, sudo. Exit 1 if any fails.");
        check.Arguments.Add(OptionalName);
        check.Options.Add(CommonOptions.Format);
        check.SetAction((r, ct) => CheckAsync(new NodeCheckArguments(
            CommonOptions.RepoDir(r), r.GetValue(OptionalName), r.GetValue(CommonOptions.Format) ?? "text", r.GetValue(CommonOptions.Identity)), console, ct));

        var bootstrap = new Command("bootstrap", "Install and enable what deploy needs on a node (idempotent).");
        bootstrap.Arguments.Add(NameArgument);
        bootstrap.Options.Add(ForceUnlockOption);
        bootstrap.SetAction((r, ct) => BootstrapAsync(new NodeBootstrapArguments(
            CommonOptions.RepoDir(r), r.GetValue(NameArgument) ?? "", r.GetValue(CommonOptions.Identity), r.GetValue(ForceUnlockOption)), console, ct));

        var node = new Command("node", "Manage the servers of the fleet.");
        node.Subcommands.Add(add);
        node.Subcommands.Add(NodeListCommand.Create(console));
        node.Subcommands.Add(NodeRemoveCommand.Create(console));
        node.Subcommands.Add(check);
        node.Subcommands.Add(bootstrap);
        return node;
    }

    public static async Task<int> AddAsync(NodeAddArguments args, CliConsole console, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        if (!System.Text.RegularExpressions.Regex.IsMatch(args.Name, "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"))
        {
            throw new UserException($"'{args.Name}' is not a valid node name: use lowercase letters, digits and '-'");
        }

        var file = repo.FullPath($"nodes/{args.Name}/node.yaml");
        if (File.Exists(file))
        {
            throw new UserException($"nodes/{args.Name}/node.yaml already exists; edit it, or remove it first to re-add the node");
        }

        using var repoLock = RepoLocking.Acquire(repo, "node add", console);
        var (line, fingerprint) = await SshNodeSession.ProbeHostKeyAsync(args.Address, args.Port, ct);
        console.Error.WriteLine($"{args.Address}:{args.Port} presents host key {fingerprint}");
        if (!args.Yes)
        {
            if (!console.Interactive)
            {
                throw new UserException("not a terminal: verify the fingerprint out of band and pass --yes to record it");
            }

            if (!console.Confirm("Is this the key you expect (compare with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server)?"))
            {
                console.Error.WriteLine("Not recorded.");
                return ExitCodes.Error;
            }
        }

        var yaml = $"address: {args.Address}\nport: {args.Port}\nuser: {args.User}\nhostKey: \"{line}\"\naddresses: []  # the public IPv4/IPv6 addresses this node serves\n";
        AtomicFile.Write(file, System.Text.Encoding.UTF8.GetBytes(yaml));
        console.Error.WriteLine($"Wrote nodes/{args.Name}/node.yaml; add its public addresses, then run `hostenv-provider node check {args.Name}`.");
        return ExitCodes.Success;
    }

    public static async Task<int> CheckAsync(NodeCheckArguments args, CliConsole console, CancellationToken ct)
    {
        var (results, diagnostics) = await NodeMaintenance.CheckAsync(args.RepoDir, args.Name, args.Identity, TimeProvider.System, ct);
        if (diagnostics.Any(d => d.IsError))
        {
            DiagnosticPrinter.Print(console, diagnostics);
            return ExitCodes.Error;
        }

        if (args.Format == "json")
        {
            var arr = new JsonArray();
            foreach (var h in results)
            {
                var checks = new JsonObject();
                foreach (var c in h.Checks)
                {
                    checks[c.Name] = new JsonObject { ["ok"] = c.Ok, ["detail"] = c.Detail };
                }

                arr.Add(new JsonObject { ["node"] = h.Node, ["address"] = h.Address, ["healthy"] = h.Healthy, ["reachable"] = h.Reachable, ["error"] = h.Error, ["checks"] = checks });
            }

            console.Out.Write(CanonicalJson.SerializeToString(new JsonObject { ["nodes"] = arr }));
        }
        else
        {
            // The container engine's column only where a node has it or needs it.
            string[] names = ["os", "systemd", "nginx", "disk", "clock", "sudo", .. results.Any(h => h.Checks.Any(c => c.Name == "containers")) ? ["containers"] : Array.Empty<string>()];
            TextTable.Write(console.Out, ["NODE", "ADDRESS", "STATUS", .. names.Select(n => n.ToUpperInvariant())],
                results.Select(h => (string[])[h.Node, h.Address, h.Healthy ? "ok" : "FAIL",
                    .. names.Select(n => h.Checks.FirstOrDefault(c => c.Name == n) is { } c ? (c.Ok ? "" : "✗ ") + c.Detail : h.Reachable ? "" : "-")]));
            // Checks only some nodes have (the runtimes their plan needs): one line each under the table.
            foreach (var (h, c) in results.SelectMany(h => h.Checks.Where(c => !names.Contains(c.Name)).Select(c => (h, c))))
            {
                console.Out.WriteLine($"{h.Node} runtime {c.Name}: {(c.Ok ? "" : "✗ ")}{c.Detail}");
            }

            foreach (var h in results.Where(h => h.Error is not null))
            {
                console.Error.WriteLine($"{h.Node}: {h.Error}");
            }
        }

        return results.All(h => h.Healthy) ? ExitCodes.Success : ExitCodes.Error;
    }

    public static async Task<int> BootstrapAsync(NodeBootstrapArguments args, CliConsole console, CancellationToken ct)
    {
        var steps = await NodeMaintenance.BootstrapAsync(args.RepoDir, args.Name, args.Identity, args.ForceUnlock, console.Error.WriteLine, ct);
        foreach (var s in steps)
        {
            console.Error.WriteLine($"  {(s.Changed ? "changed" : "ok     ")}  {s.Name} ({s.Detail})");
        }

        var changed = steps.Count(s => s.Changed);
        console.Error.WriteLine(changed == 0 ? $"{args.Name}: nothing to change; already bootstrapped." : $"{args.Name}: {changed} change(s) made.");
        return ExitCodes.Success;
    }
}
