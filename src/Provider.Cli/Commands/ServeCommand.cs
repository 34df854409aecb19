using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Provider.Monitor.Collection;
using Provider.Monitor.Jobs;
using Provider.Monitor.Notify;
using Provider.Monitor.Push;
using Provider.Nodes.Repository;
using Provider.Monitor.Web.Api;
using Provider.Monitor.Service;
using Provider.Monitor.Storage;
using Provider.Monitor.Storage.Postgres;
using Provider.Monitor.Web;
using Provider.Nodes.Fleet;

namespace Provider.Cli.Commands;

/// <summary>`serve`: the fleet monitor. Collects every node over SSH each interval into a database and serves the dashboard and /api/.</summary>
public static class ServeCommand
{
    private static readonly Option<string> Listen = new("--listen")
    {
        Description = "Address:port to serve on. Beyond loopback only once an API token exists (hostenv-provider token create).",
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

    private static readonly Option<string?> TlsCert = new("--tls-cert")
    {
        Description = "PEM certificate (with its chain) to serve HTTPS with; needs --tls-key.",
    };

    private static readonly Option<string?> TlsKey = new("--tls-key")
    {
        Description = "PEM private key of --tls-cert.",
    };

    private static readonly Option<string> InstanceOption = new("--instance")
    {
        Description = "This instance's name in the job queue (instances sharing a PostgreSQL database need distinct names; a restarted one marks what it left running as interrupted).",
        DefaultValueFactory = _ => Environment.MachineName,
    };

    private static readonly Option<string?> HookSecretFile = new("--hook-secret-file")
    {
        Description = "File with the shared secret of git host webhooks (POST /hooks/git: GitHub, Gitea/Forgejo, GitLab); without it webhooks are off.",
    };

    public sealed record Arguments(string RepoDir, string? Identity, IPEndPoint Listen, string Db, TimeSpan Interval, long MaxLogBytes, TlsFiles? Tls = null)
    {
        public string Instance { get; init; } = Environment.MachineName;

        public string? HookSecretFile { get; init; }
    }

    /// <summary>The certificate and key files of --tls-cert and --tls-key.</summary>
    public sealed record TlsFiles(string CertificatePath, string KeyPath);

    public static Command Create(CliConsole console)
    {
        var command = new Command("serve", "Watch the fleet: collect every node over SSH (state, health, logs) into a database and serve a dashboard and a JSON API. Stop with Ctrl+C.");
        command.Options.Add(Listen);
        command.Options.Add(Db);
        command.Options.Add(Interval);
        command.Options.Add(MaxLogBytes);
        command.Options.Add(TlsCert);
        command.Options.Add(TlsKey);
        command.Options.Add(InstanceOption);
        command.Options.Add(HookSecretFile);
        command.SetAction((r, ct) =>
        {
            var repo = CommonOptions.RepoDir(r);
            var args = new Arguments(repo, r.GetValue(CommonOptions.Identity), ParseListen(r.GetValue(Listen)!), r.GetValue(Db) ?? MonitorDatabase.DefaultPath(repo),
                ParseDuration("--interval", r.GetValue(Interval)!, TimeSpan.FromSeconds(5)), ParseSize("--max-log-bytes", r.GetValue(MaxLogBytes)!),
                ParseTls(r.GetValue(TlsCert), r.GetValue(TlsKey))) { Instance = r.GetValue(InstanceOption)!, HookSecretFile = r.GetValue(HookSecretFile) };
            return RunAsync(args, console, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(Arguments args, CliConsole console, CancellationToken ct)
    {
        // The plan is read before anything starts: a repo without one is a clear error, not a service that shows nothing.
        _ = new FleetAccess(args.RepoDir, args.Identity).Plan;
        await using var store = await OpenStoreAsync(args.Db, ct);
        var authentication = await store.Tokens.AnyAsync(ct);
        RequireTokensBeyondLoopback(args.Listen, authentication);
        using var certificate = args.Tls is null ? null : LoadCertificate(args.Tls);
        var hookSecret = args.HookSecretFile is null ? null : ReadHookSecret(args.HookSecretFile);
        var signal = new CycleSignal();
        var gate = new Lock();
        void Say(string line)
        {
            lock (gate)
            {
                console.Error.WriteLine(line);
            }
        }

        // Notifications (provider.yaml notify:): a broken section is the same positioned error plan gives; targets are read once.
        var (targets, problems) = new ProviderRepository(args.RepoDir).ReadNotifyTargets();
        if (targets is null)
        {
            throw new UserException(string.Join("\n", problems.Select(p => p.Format())));
        }

        // Declared before the runner: the runner stops first, then the notifier sends what is still queued (at most 5 s).
        await using var notifier = new JobNotifier(targets.Value, JobNotifierOptions.Default, Say);
        using var runner = new JobRunner(args.RepoDir, args.Identity, store.Jobs, args.Instance, JobRunnerOptions.Default, Say, notifier);
        await using var web = MonitorWebApp.Create(store.Monitor, signal, WebOptions(args, store, authentication, certificate) with { Jobs = store.Jobs, Queue = runner });
        JobsApi.Map(web.Routes.Api, web.Routes.Api);
        PushHooks.Map(web.Routes.Pages, new PushReceiver(args.RepoDir, runner), hookSecret);
        try
        {
            await web.StartAsync(ct);
        }
        catch (IOException ex)
        {
            throw new UserException($"cannot listen on {args.Listen}: {ex.Message} (choose another with --listen)");
        }

        console.Error.WriteLine($"serving {web.Address} (database {args.Db}, a cycle every {args.Interval.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s); Ctrl+C stops");
        console.Error.WriteLine(authentication
            ? "authentication on: API clients send 'Authorization: Bearer <token>', people sign in at /login"
            : "no API tokens: the dashboard is read-only and open to this machine; `hostenv-provider token create NAME --scope deploy` and a restart turn sign-in on");
        var collector = new FleetCollector(args.RepoDir, args.Identity, store.Monitor, signal,
            CollectorOptions.Default with { Interval = args.Interval, MaxLogBytesPerNode = args.MaxLogBytes }, Say);
        try
        {
            // Jobs left running by this instance's last run (SQLite: by anyone, there is one instance) become interrupted first.
            await Task.WhenAll(collector.RunAsync(ct), runner.RunAsync(!store.IsShared, ct));
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

    /// <summary>The monitor's database: a SQLite file, or a postgresql:// URI shared by several serve instances.</summary>
    public static async Task<MonitorStores> OpenStoreAsync(string db, CancellationToken ct)
    {
        try
        {
            return await MonitorStores.OpenAsync(db, ct);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException or IOException or UnauthorizedAccessException
            or MonitorStoreVersionException or ArgumentException or System.Net.Sockets.SocketException)
        {
            throw new UserException($"cannot open the monitor database {DatabaseUri.Redact(db)}: {ex.Message}");
        }
    }

    /// <summary>
    /// The web server's options: with any live token, authentication is on (also on loopback: a token that exists
    /// is meant to be asked for). Session keys sit beside the database, so sessions outlive a restart.
    /// </summary>
    public static MonitorWebOptions WebOptions(Arguments args, MonitorStores store, bool authentication, X509Certificate2? certificate) =>
        new(certificate is null ? $"http://{args.Listen}" : $"https://{args.Listen}", args.Interval)
        {
            Tokens = authentication ? store.Tokens : null,
            KeyDirectory = (store.IsShared ? MonitorDatabase.DefaultPath(args.RepoDir) : args.Db) + ".keys",
            Certificate = certificate,
        };

    /// <summary>host:port (any address; whether a non-loopback one is allowed depends on tokens, see <see cref="RequireTokensBeyondLoopback"/>).</summary>
    public static IPEndPoint ParseListen(string text)
    {
        if (!IPEndPoint.TryParse(text, out var endPoint) || endPoint.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal) || !text.Contains(':', StringComparison.Ordinal))
        {
            throw new UserException($"--listen '{text}' is not an address:port; for example --listen 127.0.0.1:3333 or --listen [::1]:3333");
        }

        return endPoint;
    }

    /// <summary>Without a token nobody could be asked for one: then only this machine may connect.</summary>
    public static void RequireTokensBeyondLoopback(IPEndPoint endPoint, bool anyToken)
    {
        if (!IPAddress.IsLoopback(endPoint.Address) && !anyToken)
        {
            throw new UserException($"--listen {endPoint}: there are no API tokens, so serve listens on loopback addresses only (127.0.0.1, ::1). " +
                "Create one with `hostenv-provider token create NAME --scope read|deploy|admin` to serve beyond this machine (with authentication), " +
                "or reach it through an SSH tunnel (ssh -L 3333:127.0.0.1:3333 HOST)");
        }
    }

    public static byte[] ReadHookSecret(string path)
    {
        try
        {
            return PushHooks.ReadSecret(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new UserException($"--hook-secret-file {path}: {ex.Message}");
        }
    }

    public static TlsFiles? ParseTls(string? certificate, string? key) => (certificate, key) switch
    {
        (null, null) => null,
        ({ } c, { } k) => new TlsFiles(c, k),
        _ => throw new UserException("--tls-cert and --tls-key go together: give the certificate and its private key (PEM files)"),
    };

    public static X509Certificate2 LoadCertificate(TlsFiles tls)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new UserException($"cannot load --tls-cert {tls.CertificatePath} with --tls-key {tls.KeyPath}: {ex.Message}");
        }
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
