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
        var fleet = new FleetAccess(args.RepoDir, args.Identity);
        (string User, string Node, Provider.Planning.Plan.EnvironmentPlan Spec)? onlyEnv = args.Env is null ? null : fleet.Placed(args.Env);
        var nodes = fleet.Nodes.Where(n => (args.Node is null || n == args.Node) && (onlyEnv is null || n == onlyEnv.Value.Node)).ToList();
        if (nodes.Count == 0)
        {
            throw new UserException(args.Node is not null ? $"node '{args.Node}' is not in the plan" : "the plan has no nodes");
        }

        var checks = new ConcurrentBag<LiveCheck>();
        var errors = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = 10, CancellationToken = ct }, async (node, token) =>
        {
            var envs = fleet.Plan.EnvironmentsOn(node).Where(e => onlyEnv is null || e.UserName == onlyEnv.Value.User).ToList();
            try
            {
                var address = await AddressAsync(fleet.Config(node).Address, token);
                await using var session = await fleet.ConnectAsync(node, token);
                foreach (var check in await LiveVerification.RunAsync(session, node, address, envs, token))
                {
                    checks.Add(check);
                }
            }
            catch (Exception ex) when (ex is NodeConnectionException or System.Net.Sockets.SocketException)
            {
                errors[node] = ex.Message;
            }
        });

        var rows = checks.OrderBy(c => c.Node, StringComparer.Ordinal).ThenBy(c => c.Environment, StringComparer.Ordinal).ThenBy(c => c.Check, StringComparer.Ordinal).ToList();
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
        console.Error.WriteLine($"{rows.Count} check(s): {rows.Count(c => c.Ok)} ok, {failed} failed{(errors.IsEmpty ? "" : $", {errors.Count} node(s) not reachable")}.");
        return failed == 0 && errors.IsEmpty ? ExitCodes.Success : ExitCodes.Error;
    }

    /// <summary>The node's address to pin requests to: node.yaml's address, resolved once when it is a name.</summary>
    private static async Task<IPAddress> AddressAsync(string address, CancellationToken ct) =>
        IPAddress.TryParse(address, out var ip) ? ip : (await Dns.GetHostAddressesAsync(address, ct))[0];
}
