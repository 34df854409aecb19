using System.CommandLine;
using System.Globalization;
using System.Net;
using Provider.Monitor.Collection;
using Provider.Monitor.Service;
using Provider.Monitor.Storage;
using Provider.Monitor.Web;
using Provider.Nodes.Fleet;

namespace Provider.Cli.Commands;

/// <summary>`serve`: the fleet monitor. Collects every node over SSH each interval into a database and serves the dashboard and /api/.</summary>
public static class ServeCommand
{
    private static readonly Option<string> Listen = new("--listen")
    {
        Description = "Address:port to serve on (loopback only until authentication exists).",
        DefaultValueFactory = _ => "127.0.0.1:3333",
    };

    public static readonly Option<string?> Db = new("--db")
    {
        Description = "SQLite database file (default: ~/.local/state/hostenv-provider/monitor-<repo id>.db).",
    };

    private static readonly Option<string> Interval = new("--interval")
    {
        Description = "Time between collection cycles: 30s, 2m, ... (at least 5s).",
        DefaultValueFactory = _ => "30s",
    };

    private static readonly Option<string> MaxLogBytes = new("--max-log-bytes")
    {
        Description = "Log bytes one node may send per cycle (the rest comes next cycle): 4MB, 512KB, ...",
        DefaultValueFactory = _ => "4MB",
    };

    public sealed record Arguments(string RepoDir, string? Identity, IPEndPoint Listen, string Db, TimeSpan Interval, long MaxLogBytes);

    public static Command Create(CliConsole console)
    {
        var command = new Command("serve", "Watch the fleet: collect every node over SSH (state, health, logs) into a database and serve a dashboard and a JSON API. Stop with Ctrl+C.");
        command.Options.Add(Listen);
        command.Options.Add(Db);
        command.Options.Add(Interval);
        command.Options.Add(MaxLogBytes);
        command.SetAction((r, ct) =>
        {
            var repo = CommonOptions.RepoDir(r);
            var args = new Arguments(repo, r.GetValue(CommonOptions.Identity), ParseListen(r.GetValue(Listen)!), r.GetValue(Db) ?? MonitorDatabase.DefaultPath(repo),
                ParseDuration("--interval", r.GetValue(Interval)!, TimeSpan.FromSeconds(5)), ParseSize("--max-log-bytes", r.GetValue(MaxLogBytes)!));
            return RunAsync(args, console, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(Arguments args, CliConsole console, CancellationToken ct)
    {
        // The plan is read before anything starts: a repo without one is a clear error, not a service that shows nothing.
        _ = new FleetAccess(args.RepoDir, args.Identity).Plan;
        await using var store = await OpenStoreAsync(args.Db, ct);
        var signal = new CycleSignal();
        await using var web = MonitorWebApp.Create(store, signal, MonitorWebOptions.ForEndPoint(args.Listen, args.Interval));
        try
        {
            await web.StartAsync(ct);
        }
        catch (IOException ex)
        {
            throw new UserException($"cannot listen on {args.Listen}: {ex.Message} (choose another with --listen)");
        }

        console.Error.WriteLine($"serving {web.Address} (database {args.Db}, a cycle every {args.Interval.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s); Ctrl+C stops");
        var gate = new Lock();
        var reachable = new Dictionary<string, bool>(StringComparer.Ordinal);
        var collector = new FleetCollector(args.RepoDir, args.Identity, store, signal,
            CollectorOptions.Default with { Interval = args.Interval, MaxLogBytesPerNode = args.MaxLogBytes },
            line =>
            {
                lock (gate)
                {
                    console.Error.WriteLine(line);
                }
            });
        try
        {
            await collector.RunAsync(ct);
        }
        finally
        {
            // Ctrl+C/SIGTERM: the collector stops between statements, open event streams end, the database closes cleanly.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await web.StopAsync(stop.Token);
            console.Error.WriteLine("serve stopped.");
        }

        return ExitCodes.Success;
    }

    public static async Task<SqliteMonitorStore> OpenStoreAsync(string path, CancellationToken ct)
    {
        try
        {
            return await SqliteMonitorStore.OpenAsync(path, ct);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or MonitorStoreVersionException)
        {
            throw new UserException($"cannot open the monitor database {path}: {ex.Message}");
        }
    }

    /// <summary>host:port with a loopback address; anything else is refused until serve has authentication (issue 13).</summary>
    public static IPEndPoint ParseListen(string text)
    {
        if (!IPEndPoint.TryParse(text, out var endPoint) || endPoint.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal) || !text.Contains(':', StringComparison.Ordinal))
        {
            throw new UserException($"--listen '{text}' is not an address:port; for example --listen 127.0.0.1:3333 or --listen [::1]:3333");
        }

        if (!IPAddress.IsLoopback(endPoint.Address))
        {
            throw new UserException($"--listen {text}: serve has no authentication yet, so it listens on loopback addresses only (127.0.0.1, ::1); " +
                "reach it from elsewhere through an SSH tunnel (ssh -L 3333:127.0.0.1:3333 HOST)");
        }

        return endPoint;
    }

    /// <summary>"30s", "2m", "1h", "1d" (a whole number and a unit), at least <paramref name="minimum"/>.</summary>
    public static TimeSpan ParseDuration(string option, string text, TimeSpan minimum)
    {
        var unit = text.Length > 0 ? text[^1] : ' ';
        if (text.Length < 2 || !long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || unit is not ('s' or 'm' or 'h' or 'd'))
        {
            throw new UserException($"{option} '{text}' is not a duration; write a whole number and s, m, h or d, for example {option} 30s");
        }

        var span = unit switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
        return span >= minimum ? span : throw new UserException($"{option} {text} is shorter than the minimum {minimum.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
    }

    /// <summary>"4MB", "512KB", "1048576" (bytes), at least 4 KB.</summary>
    public static long ParseSize(string option, string text)
    {
        var upper = text.ToUpperInvariant();
        var (digits, factor) = upper.EndsWith("MB", StringComparison.Ordinal) ? (upper[..^2], 1024L * 1024)
            : upper.EndsWith("KB", StringComparison.Ordinal) ? (upper[..^2], 1024L) : (upper, 1L);
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n * factor < 4096 || n > int.MaxValue)
        {
            throw new UserException($"{option} '{text}' is not a size of at least 4KB; for example {option} 4MB");
        }

        return n * factor;
    }
}
