using Provider.Nodes.Fleet;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Nodes.State;
using Provider.Planning.Diagnostics;
using Provider.Planning.Model;
using Provider.Planning.Output;
using Provider.Planning.Planner;

namespace Provider.Cli.Commands;

public sealed record StateListArguments(string RepoDir, string Format);

public sealed record StatePruneArguments(string RepoDir, bool Yes, bool Offline);

/// <summary>`state list` and `state prune`: the lifecycle of UID and vhost reservations.</summary>
public static class StateCommand
{
    private static readonly Option<bool> YesOption = new("--yes") { Description = "Write the pruned state (default: only show what would be removed)." };
    private static readonly Option<bool> OfflineOption = new("--offline") { Description = "Do not check over SSH that the users are gone from their nodes." };

    public static Command Create(CliConsole console, Func<IUserPresenceProbe>? probeFactory = null)
    {
        var list = new Command("list", "Show every reservation and whether the inputs still declare it.");
        list.Options.Add(CommonOptions.Format);
        list.SetAction((r, ct) => ListAsync(new StateListArguments(CommonOptions.RepoDir(r), r.GetValue(CommonOptions.Format) ?? "text"), console, ct));

        var prune = new Command("prune", "Remove reservations of environments that are gone (dry run unless --yes).");
        prune.Options.Add(YesOption);
        prune.Options.Add(OfflineOption);
        prune.SetAction((r, ct) => PruneAsync(
            new StatePruneArguments(CommonOptions.RepoDir(r), r.GetValue(YesOption), r.GetValue(OfflineOption)), console,
            probeFactory ?? (() => throw new UserException("checking nodes over SSH is not available in this build; use --offline")), ct));

        var command = new Command("state", "Inspect and prune generated/state.json.");
        command.Subcommands.Add(list);
        command.Subcommands.Add(prune);
        return command;
    }

    private static async Task<(ProviderState State, PlanResult Plan)?> LoadAsync(ProviderRepository repo, CliConsole console, CancellationToken ct)
    {
        var (input, loadDiagnostics) = await repo.LoadPlanInputAsync(new GitSource(GitSource.DefaultCacheRoot()), ct);
        var plan = input is null ? null : FleetPlanner.Plan(input);
        var diagnostics = loadDiagnostics.Concat(plan?.Diagnostics ?? []).ToList();
        if (input is null || plan is null || !plan.Success || diagnostics.Any(d => d.IsError))
        {
            DiagnosticPrinter.Print(console, diagnostics);
            console.Error.WriteLine("the inputs must plan cleanly to tell which reservations are still declared.");
            return null;
        }

        var bag = new DiagnosticBag();
        var committed = StateReader.Read(input.PreviousState, bag);
        return (committed, plan);
    }

    public static async Task<int> ListAsync(StateListArguments args, CliConsole console, CancellationToken ct)
    {
        var loaded = await LoadAsync(new ProviderRepository(args.RepoDir), console, ct);
        if (loaded is not { } l || l.Plan.Fleet is not { } fleet)
        {
            return ExitCodes.Error;
        }

        var reservations = StateReport.Classify(l.State, fleet.Environments);
        var pending = fleet.Environments.Where(e => !l.State.Entries.ContainsKey(e.UserName)).Select(e => e.UserName).ToList();
        if (args.Format == "json")
        {
            var array = new JsonArray();
            foreach (var r in reservations)
            {
                array.Add(new JsonObject
                {
                    ["userName"] = r.Entry.UserName,
                    ["uid"] = r.Entry.Uid,
                    ["node"] = r.Entry.Node,
                    ["virtualHosts"] = new JsonArray([.. r.Entry.VirtualHosts.Select(v => (JsonNode?)v)]),
                    ["status"] = StateReport.StatusName(r.Status),
                });
            }

            console.Out.Write(CanonicalJson.SerializeToString(new JsonObject
            {
                ["reservations"] = array,
                ["uidHighWaterMark"] = l.State.UidHighWaterMark,
                ["notYetPlanned"] = new JsonArray([.. pending.Select(p => (JsonNode?)p)]),
            }));
            return ExitCodes.Success;
        }

        var rows = reservations.Select(r => (r.Entry.UserName, r.Entry.Uid.ToString(CultureInfo.InvariantCulture), r.Entry.Node, StateReport.StatusName(r.Status), string.Join(", ", r.Entry.VirtualHosts))).ToList();
        TextTable.Write(console.Out, ["USER", "UID", "NODE", "STATUS", "VIRTUAL HOSTS"], rows.Select(r => new[] { r.Item1, r.Item2, r.Item3, r.Item4, r.Item5 }));
        console.Out.WriteLine($"{reservations.Length} reservations ({reservations.Count(r => r.Status == ReservationStatus.Gone)} gone); UID high-water mark {l.State.UidHighWaterMark}.");
        if (pending.Count > 0)
        {
            console.Out.WriteLine($"{pending.Count} declared environment(s) not in state yet: run `hostenv-provider plan`.");
        }

        return ExitCodes.Success;
    }

    public static async Task<int> PruneAsync(StatePruneArguments args, CliConsole console, Func<IUserPresenceProbe> probeFactory, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        using var repoLock = args.Yes ? RepoLocking.Acquire(repo, "state prune", console) : null;
        var loaded = await LoadAsync(repo, console, ct);
        if (loaded is not { } l || l.Plan.Fleet is not { } fleet)
        {
            return ExitCodes.Error;
        }

        var gone = StateReport.Classify(l.State, fleet.Environments).Where(r => r.Status == ReservationStatus.Gone).ToList();
        if (gone.Count == 0)
        {
            console.Error.WriteLine("Nothing to prune: every reservation is still declared.");
            return ExitCodes.Success;
        }

        var removable = new List<StateEntry>();
        var refused = 0;
        if (args.Offline)
        {
            console.Error.WriteLine("--offline: not checking the nodes; make sure these users no longer exist there.");
            removable.AddRange(gone.Select(g => g.Entry));
        }
        else
        {
            var probe = probeFactory();
            var nodes = fleet.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
            foreach (var g in gone)
            {
                if (!nodes.TryGetValue(g.Entry.Node, out var node))
                {
                    console.Error.WriteLine($"  ! {g.Entry.UserName}: its node '{g.Entry.Node}' is not in nodes/; cannot check it (use --offline if the node is retired)");
                    refused++;
                    continue;
                }

                if (await probe.CheckAsync(node, g.Entry.UserName, ct) == UserPresence.Present)
                {
                    console.Error.WriteLine($"  ! {g.Entry.UserName}: the user still exists on {node.Name}; its UID {g.Entry.Uid} stays reserved until it is removed there");
                    refused++;
                    continue;
                }

                removable.Add(g.Entry);
            }
        }

        foreach (var e in removable)
        {
            console.Out.WriteLine($"- {e.UserName} (uid {e.Uid.ToString(CultureInfo.InvariantCulture)}, node {e.Node}, vhosts: {string.Join(", ", e.VirtualHosts)})");
        }

        if (!args.Yes)
        {
            console.Error.WriteLine($"Dry run: {removable.Count} reservation(s) would be removed{(refused > 0 ? $", {refused} kept" : "")}. Run with --yes to write generated/state.json.");
            return refused > 0 ? ExitCodes.Error : ExitCodes.Success;
        }

        var pruned = StateReport.Without(l.State, removable.Select(e => e.UserName));
        AtomicFile.Write(repo.FullPath(ProviderRepository.StateFile), StateReader.Write(pruned));
        console.Error.WriteLine($"Removed {removable.Count} reservation(s); UIDs up to {pruned.UidHighWaterMark} stay retired. {(refused > 0 ? $"{refused} kept (see above)." : "")}".TrimEnd());
        return refused > 0 ? ExitCodes.Error : ExitCodes.Success;
    }
}
