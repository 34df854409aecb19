using Provider.Nodes.Engine;
using Provider.Nodes.Locking;
using Provider.Nodes.Fleet;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Apply;
using Provider.Planning.Output;

namespace Provider.Cli.Commands;

public sealed record RollbackArguments(string RepoDir, string? Node, string? To, bool List, string Format, bool ForceUnlock, string? Identity, string? Env = null, bool Yes = false);

/// <summary>
/// `rollback --node N [--to GEN]`: returns a node to a generation it still keeps, through the same path as a
/// deploy (nginx -t, users, watchdog, atomic switch, confirmation over a fresh connection). `rollback --env E
/// [--to RELEASE]`: returns an environment to a release it keeps, through the deploy's start/check/switch path.
/// </summary>
public static class RollbackCommand
{
    private static readonly Option<string?> NodeOption = new("--node") { Description = "Roll back this node's system generation." };
    private static readonly Option<string?> EnvOption = new("--env") { Description = "Roll back this environment's release instead (zero-downtime, as a deploy)." };
    private static readonly Option<string?> ToOption = new("--to") { Description = "Generation number or id prefix; with --env, a release name or prefix (default: the previous good one)." };
    private static readonly Option<bool> ListOption = new("--list") { Description = "List the node's generations (with --env: the environment's releases); change nothing." };
    private static readonly Option<bool> ForceUnlockOption = new("--force-unlock") { Description = "Remove the node's lock first (only when its holder is dead)." };
    private static readonly Option<bool> YesOption = new("--yes", "-y") { Description = "Roll back without showing what changes and asking first (required without a terminal)." };

    public static Command Create(CliConsole console)
    {
        var command = new Command("rollback", "Switch a node back to an earlier system generation it keeps, or an environment to an earlier release, with the same safety as deploy.");
        foreach (var o in new Option[] { NodeOption, EnvOption, ToOption, ListOption, CommonOptions.Format, ForceUnlockOption, YesOption })
        {
            command.Options.Add(o);
        }

        command.SetAction((r, ct) => RunAsync(new RollbackArguments(CommonOptions.RepoDir(r), r.GetValue(NodeOption), r.GetValue(ToOption), r.GetValue(ListOption),
            r.GetValue(CommonOptions.Format) ?? "text", r.GetValue(ForceUnlockOption), r.GetValue(CommonOptions.Identity), r.GetValue(EnvOption), r.GetValue(YesOption)), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(RollbackArguments args, CliConsole console, CancellationToken ct)
    {
        if ((args.Node is null) == (args.Env is null))
        {
            throw new UserException("say what to roll back: --node N (its system generation) or --env E (its release)");
        }

        if (!args.List)
        {
            console.RequireInteractiveOrYes(args.Yes, "rollback");
        }

        if (args.Env is not null)
        {
            return await RollbackEnvironmentAsync(args, console, ct);
        }

        return await RollbackNodeAsync(args with { Node = args.Node! }, console, ct);
    }

    private static async Task<int> RollbackEnvironmentAsync(RollbackArguments args, CliConsole console, CancellationToken ct)
    {
        var fleet = new FleetAccess(args.RepoDir, args.Identity);
        var (user, node, _) = fleet.Placed(args.Env!);
        if (args.List)
        {
            await using var session = await fleet.ConnectAsync(node, ct);
            var history = await EnvironmentStage.ReadHistoryAsync(session, user, ct);
            var (state, kept) = await EnvironmentStage.ListReleasesAsync(session, user, ct);
            if (args.Format == "json")
            {
                console.Out.Write(System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(new JsonObject
                {
                    ["environment"] = user,
                    ["node"] = node,
                    ["current"] = state,
                    ["releases"] = new JsonArray([.. kept.Select(r => (JsonNode)new JsonObject
                    {
                        ["release"] = r,
                        ["current"] = r == state,
                        ["outcome"] = history.LastOrDefault(h => h.Release == r)?.Outcome,
                        ["rev"] = history.LastOrDefault(h => h.Release == r)?.Rev,
                    })]),
                })));
                return ExitCodes.Success;
            }

            TextTable.Write(console.Out, ["RELEASE", "REV", "OUTCOME", "DEPLOYED", "ON NODE"], history.Select(h => new[]
            {
                h.Release, GenerationHistory.Short(h.Rev), h.Outcome,
                DateTimeOffset.FromUnixTimeSeconds(h.Time).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                h.Release == state ? "current" : kept.Contains(h.Release) ? "kept" : "removed",
            }));
            return ExitCodes.Success;
        }

        var rollback = new RollbackRun(fleet, console.Error.WriteLine, TimeProvider.System);
        var outcome = await rollback.EnvironmentAsync(args.Env!, args.To, args.ForceUnlock, args.Yes ? null : _ => Task.FromResult(console.Confirm("Roll back?")), ct);
        if (outcome.Result is not { } result)
        {
            return outcome.ExitCode;
        }

        TextTable.Write(console.Out, ["NODE", "ENVIRONMENT", "RESULT", "RELEASE", "DETAIL"],
            [[node, user, result.Outcome.ToString().ToLowerInvariant(), result.Release ?? "-", result.Error?.Split('\n')[0] ?? ""]]);
        if (result.Error is not null)
        {
            console.Error.WriteLine(result.Error);
        }

        return outcome.ExitCode;
    }

    private static async Task<int> RollbackNodeAsync(RollbackArguments args, CliConsole console, CancellationToken ct)
    {
        var fleet = new FleetAccess(args.RepoDir, args.Identity);
        var nodeName = args.Node!;
        if (args.List)
        {
            await using var session = await fleet.ConnectAsync(nodeName, ct);
            Print(console, args.Format, await GenerationHistory.ReadAsync(session, ct));
            return ExitCodes.Success;
        }

        var rollback = new RollbackRun(fleet, console.Error.WriteLine, TimeProvider.System);
        var outcome = await rollback.NodeAsync(nodeName, args.To, args.ForceUnlock, args.Yes ? null : _ => Task.FromResult(console.Confirm("Roll back?")), ct);
        if (outcome.Result is { } result)
        {
            TextTable.Write(console.Out, DeployCommand.SystemResultHeader, [DeployCommand.SystemResultRow(result, result.Error ?? "")]);
        }

        return outcome.ExitCode;
    }

    private static void Print(CliConsole console, string format, GenerationHistory history)
    {
        var rows = history.Generations.Where(g => g.Present).OrderBy(g => g.Number).ToList();
        if (format == "json")
        {
            var array = new JsonArray([.. rows.Select(g => (JsonNode)new JsonObject
            {
                ["number"] = g.Number,
                ["id"] = g.Id,
                ["current"] = g.IsCurrent,
                ["confirmed"] = g.Confirmed,
                ["rolledBack"] = g.RolledBack,
                ["lastActivated"] = g.LastActivated is { } t ? DateTimeOffset.FromUnixTimeSeconds(t).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null,
            })]);
            console.Out.Write(System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(new JsonObject { ["current"] = history.Current, ["generations"] = array })));
            return;
        }

        TextTable.Write(console.Out, ["GEN", "ID", "STATE", "LAST ACTIVATED"], rows.Select(g => new[]
        {
            g.Number.ToString(CultureInfo.InvariantCulture), GenerationHistory.Short(g.Id),
            g.IsCurrent ? "current" : g.RolledBack ? "rolled back" : g.Confirmed ? "good" : "never confirmed",
            g.LastActivated is { } t ? DateTimeOffset.FromUnixTimeSeconds(t).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-",
        }));
    }

}
