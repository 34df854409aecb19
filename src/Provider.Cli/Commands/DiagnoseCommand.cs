using System.Collections.Immutable;
using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Provider.Nodes.Dns;
using Provider.Nodes.Engine;
using Provider.Nodes.Fleet;
using Provider.Planning.Output;

namespace Provider.Cli.Commands;

public sealed record DiagnoseArguments(string RepoDir, string? Node, string? Env, ImmutableArray<string> Nameservers, string Format, string? Identity);

/// <summary>`diagnose [--node N] [--env E] [--format json]`: findings with what was seen and what to run; exit 1 with an error finding.</summary>
public static class DiagnoseCommand
{
    private static readonly Option<string?> NodeOption = new("--node") { Description = "Only this node." };
    private static readonly Option<string?> EnvOption = new("--env") { Description = "Only this environment (userName or project/environment) and its node." };
    private static readonly Option<string[]> NameserverOption = new("--nameserver")
    {
        Description = "Resolve vhosts with this DNS server (HOST:PORT, repeatable) instead of the zones' authoritative servers, as dns-gate does.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Command Create(CliConsole console)
    {
        var command = new Command("diagnose", "Look for problems on the nodes (reachability, disk, memory, OOM kills, failed units, nginx -t, certificates, DNS, clock, " +
            "node lock, stopped or crash-looping apps, releases changed in place, missing secrets): each finding with what was seen and the command to run. Exit 1 with an error finding.");
        command.Options.Add(NodeOption);
        command.Options.Add(EnvOption);
        command.Options.Add(NameserverOption);
        command.Options.Add(CommonOptions.Format);
        command.SetAction((r, ct) => RunAsync(new DiagnoseArguments(CommonOptions.RepoDir(r), r.GetValue(NodeOption), r.GetValue(EnvOption),
            [.. r.GetValue(NameserverOption) ?? []], r.GetValue(CommonOptions.Format) ?? "text", r.GetValue(CommonOptions.Identity)), console, ct));
        return command;
    }

    public static async Task<int> RunAsync(DiagnoseArguments args, CliConsole console, CancellationToken ct)
    {
        ImmutableArray<IPEndPoint> servers;
        try
        {
            servers = [.. args.Nameservers.Select(ResolverOptions.ParseNameserver)];
        }
        catch (FormatException ex)
        {
            throw new UserException("--nameserver: " + ex.Message);
        }

        var result = await DiagnoseRun.RunAsync(new FleetAccess(args.RepoDir, args.Identity), new DiagnoseRequest(args.Node, args.Env, servers), TimeProvider.System, ct);
        if (args.Format == "json")
        {
            console.Out.Write(CanonicalJson.SerializeToString(new JsonObject
            {
                ["nodes"] = new JsonArray([.. result.Nodes.Select(n => (JsonNode)n)]),
                ["findings"] = new JsonArray([.. result.Findings.Select(f => (JsonNode)new JsonObject
                {
                    ["severity"] = Severity(f.Severity),
                    ["node"] = f.Node,
                    ["environment"] = f.Environment,
                    ["check"] = f.Check,
                    ["seen"] = f.Seen,
                    ["lines"] = new JsonArray([.. f.Lines.Select(l => (JsonNode)l)]),
                    ["recommendation"] = f.Recommendation,
                })]),
            }));
        }
        else
        {
            foreach (var f in result.Findings)
            {
                console.Out.WriteLine($"{Severity(f.Severity).ToUpperInvariant(),-7} {f.Node}{(f.Environment is { } e ? " " + e : "")} [{f.Check}] {f.Seen}");
                foreach (var line in f.Lines)
                {
                    console.Out.WriteLine("        | " + line);
                }

                console.Out.WriteLine("        fix: " + f.Recommendation);
            }
        }

        var errors = result.Findings.Count(f => f.Severity == DiagnoseSeverity.Error);
        var warnings = result.Findings.Count(f => f.Severity == DiagnoseSeverity.Warning);
        console.Error.WriteLine(result.Findings.IsEmpty
            ? $"no findings on {string.Join(", ", result.Nodes)}."
            : $"{errors} error(s), {warnings} warning(s) on {string.Join(", ", result.Nodes)}.");
        return result.HasErrors ? ExitCodes.Error : ExitCodes.Success;
    }

    private static string Severity(DiagnoseSeverity s) => s switch
    {
        DiagnoseSeverity.Error => "error",
        DiagnoseSeverity.Warning => "warning",
        _ => "info",
    };
}
