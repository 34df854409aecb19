using Provider.Nodes.Fleet;
using System.Collections.Concurrent;
using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Nodes.Apply;
using Provider.Nodes.Ssh;
using Provider.Planning.Output;

namespace Provider.Cli.Commands;

public sealed record VerifyArguments(string RepoDir, string? Node, string? Env, string Format, string? Identity);

/// <summary>`verify`: every environment's health check and deploymentVerification against what is live, without deploying.</summary>
public static class VerifyCommand
{
    private static readonly Option<string?> NodeOption = new("--node") { Description = "Only this node's environments." };
    private static readonly Option<string?> EnvOption = new("--env") { Description = "Only this environment (userName or project/environment)." };

    public static Command Create(CliConsole console)
    {
        var command = new Command("verify", "Run the health check on each environment's live release and its deploymentVerification checks (pinned to the node's address), without deploying. Exit 1 if an enforced check fails.");
        command.Options.Add(NodeOption);
        command.Options.Add(EnvOption);
        command.Options.Add(CommonOptions.Format);
        command.SetAction((r, ct) => RunAsync(new VerifyArguments(CommonOptions.RepoDir(r), r.GetValue(NodeOption), r.GetValue(EnvOption),
            r.GetValue(CommonOptions.Format) ?? "text", r.GetValue(CommonOptions.Identity)), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(VerifyArguments args, CliConsole console, CancellationToken ct)
    {
        var (rows, errors) = await LiveVerification.RunFleetAsync(new FleetAccess(args.RepoDir, args.Identity), args.Node, args.Env, ct);
        if (args.Format == "json")
        {
            console.Out.Write(CanonicalJson.SerializeToString(new JsonObject
            {
                ["checks"] = new JsonArray([.. rows.Select(c => (JsonNode)new JsonObject
                {
                    ["node"] = c.Node, ["environment"] = c.Environment, ["check"] = c.Check, ["ok"] = c.Ok, ["enforced"] = c.Enforced, ["detail"] = c.Detail,
                })]),
                ["unreachable"] = new JsonObject([.. errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))]),
            }));
        }
        else
        {
            TextTable.Write(console.Out, ["NODE", "ENVIRONMENT", "CHECK", "RESULT", "DETAIL"], rows.Select(c => new[]
            {
                c.Node, c.Environment, c.Check, c.Ok ? "ok" : c.Enforced ? "FAILED" : "failed (not enforced)", c.Detail,
            }));
        }

        foreach (var (node, error) in errors.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            console.Error.WriteLine($"{node}: error: {error}");
        }

        var failed = rows.Count(c => !c.Ok && c.Enforced);
        console.Error.WriteLine($"{rows.Length} check(s): {rows.Count(c => c.Ok)} ok, {failed} failed{(errors.IsEmpty ? "" : $", {errors.Count} node(s) not reachable")}.");
        return failed == 0 && errors.IsEmpty ? ExitCodes.Success : ExitCodes.Error;
    }
}
