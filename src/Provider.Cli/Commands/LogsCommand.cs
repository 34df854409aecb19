using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Provider.Monitor.Collection;
using Provider.Monitor.Storage;
using Provider.Monitor.Storage.Postgres;
using Provider.Monitor.Web.Query;
using Provider.Nodes.Fleet;

namespace Provider.Cli.Commands;

/// <summary>
/// `logs [ENV]`: log lines of the fleet, oldest to newest. From the monitor's database when `serve` keeps one for this
/// repo (or --db names one); otherwise straight from the nodes over SSH. --follow keeps printing new lines.
/// </summary>
public static class LogsCommand
{
    private static readonly Argument<string?> Env = new("ENV") { Description = "Only this environment (userName or project/environment).", Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<string?> Node = new("--node") { Description = "Only this node." };
    private static readonly Option<string?> Search = new("--search", "-s") { Description = "Only lines with all these words." };
    private static readonly Option<string?> Since = new("--since") { Description = "Only lines since: 15m, 1h, 2d or an ISO-8601 time." };
    private static readonly Option<string?> Source = new("--source") { Description = "Only this source: journal:UNIT, nginx-access:VHOST, nginx-error:VHOST (a prefix ending in ':' matches all of a kind)." };
    private static readonly Option<string?> Level = new("--level") { Description = "Only this level or more severe: err, warning, info, ..." };
    private static readonly Option<int> Lines = new("--lines", "-n") { Description = "How many lines (the newest; at most 500).", DefaultValueFactory = _ => 100 };
    private static readonly Option<bool> Follow = new("--follow", "-f") { Description = "Keep printing new lines until Ctrl+C." };
    private static readonly Option<bool> FromNodes = new("--from-nodes") { Description = "Read the nodes over SSH even when a monitor database exists." };

    public static Command Create(CliConsole console)
    {
        var command = new Command("logs", "Show log lines (apps' journals, nginx access and error logs) from the monitor's database, or straight from the nodes when there is none.");
        command.Arguments.Add(Env);
        foreach (var o in new Option[] { Node, Search, Since, Source, Level, Lines, Follow, FromNodes, ServeCommand.Db, CommonOptions.Format })
        {
            command.Options.Add(o);
        }

        command.SetAction((r, ct) => RunAsync(r, console, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult r, CliConsole console, CancellationToken ct)
    {
        var repo = CommonOptions.RepoDir(r);
        var json = r.GetValue(CommonOptions.Format) == "json";
        var env = r.GetValue(Env) is { } name ? new FleetAccess(repo, r.GetValue(CommonOptions.Identity)).Environment(name).UserName : null;
        var query = Parse(r, env);
        var db = r.GetValue(ServeCommand.Db) ?? MonitorDatabase.DefaultPath(repo);
        var fromDb = !r.GetValue(FromNodes) && (r.GetValue(ServeCommand.Db) is not null || File.Exists(db));

        void Print(LogLine l) => console.Out.WriteLine(json ? Json(l) : Text(l));

        if (fromDb)
        {
            if (!DatabaseUri.IsPostgres(db) && !File.Exists(db))
            {
                throw new UserException($"--db {db}: no such database (serve creates it; leave --db out to read the nodes over SSH)");
            }

            await using var stores = await ServeCommand.OpenStoreAsync(db, ct);
            var store = stores.Monitor;
            var page = await store.SearchLogsAsync(query, ct);
            var last = page.Hits.IsEmpty ? 0 : page.Hits[0].Id;
            foreach (var hit in page.Hits.Reverse())
            {
                Print(hit.Line);
            }

            while (r.GetValue(Follow) && !ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                // Everything newer than the last printed line, however many arrived since: page back until reaching it.
                var fresh = new List<LogHit>();
                for (var p = await store.SearchLogsAsync(query with { Limit = 500, BeforeId = null }, ct); ; p = await store.SearchLogsAsync(query with { Limit = 500, BeforeId = p.NextBeforeId }, ct))
                {
                    fresh.AddRange(p.Hits.Where(h => h.Id > last));
                    if (p.NextBeforeId is null || p.Hits.IsEmpty || p.Hits[^1].Id <= last)
                    {
                        break;
                    }
                }

                foreach (var hit in fresh.OrderBy(h => h.Id))
                {
                    Print(hit.Line);
                    last = hit.Id;
                }
            }

            return ExitCodes.Success;
        }

        var live = new LiveLogs(new FleetAccess(repo, r.GetValue(CommonOptions.Identity)), 16 * 1024 * 1024);
        var since = query.Since ?? DateTimeOffset.UtcNow.AddHours(-1);
        var (lines, unreachable) = await live.ReadAsync(query, since, ct);
        foreach (var l in lines.OrderBy(l => l.Time).TakeLast(query.Limit))
        {
            Print(l);
        }

        foreach (var (node, error) in unreachable)
        {
            console.Error.WriteLine($"warning: node '{node}' could not be read: {error}");
        }

        while (r.GetValue(Follow) && !ct.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            foreach (var l in (await live.ReadAsync(query with { Since = null }, since, ct)).Lines.OrderBy(l => l.Time))
            {
                Print(l);
            }
        }

        return unreachable.IsEmpty ? ExitCodes.Success : ExitCodes.Error;
    }

    /// <summary>The options through the same parser as /api/logs (one set of rules and messages), with option names in the errors.</summary>
    private static LogQuery Parse(ParseResult r, string? env)
    {
        var values = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        void Set(string key, string? value)
        {
            if (value is not null)
            {
                values[key] = value;
            }
        }

        Set("q", r.GetValue(Search));
        Set("node", r.GetValue(Node));
        Set("env", env);
        Set("source", r.GetValue(Source));
        Set("level", r.GetValue(Level));
        Set("since", r.GetValue(Since));
        Set("limit", r.GetValue(Lines).ToString(CultureInfo.InvariantCulture));
        var parsed = MonitorQueries.Logs(new QueryCollection(values), DateTimeOffset.UtcNow);
        if (!parsed.Ok)
        {
            var options = new Dictionary<string, string>(StringComparer.Ordinal) { ["q"] = "--search", ["limit"] = "--lines" };
            throw new UserException(string.Join("\n", parsed.Problems.Select(p =>
                $"{options.GetValueOrDefault(p.Parameter, "--" + p.Parameter)}: {p.Problem} (for example {p.Example.Replace(p.Parameter + "=", options.GetValueOrDefault(p.Parameter, "--" + p.Parameter) + " ", StringComparison.Ordinal)})")));
        }

        return parsed.Value;
    }

    private static string Text(LogLine l) => string.Create(CultureInfo.InvariantCulture,
        $"{l.Time:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {l.Node} {l.Environment ?? "-"} {l.Source} {QueryReader.LevelName(l.Level)}: {l.Message}");

    /// <summary>One compact JSON object per line (JSON Lines), fields in a fixed order.</summary>
    private static string Json(LogLine l) => new JsonObject
    {
        ["time"] = l.Time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["node"] = l.Node,
        ["environment"] = l.Environment,
        ["source"] = l.Source,
        ["level"] = QueryReader.LevelName(l.Level),
        ["httpStatus"] = l.HttpStatus,
        ["message"] = l.Message,
    }.ToJsonString();
}
