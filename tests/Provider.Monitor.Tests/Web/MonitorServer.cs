using System.Net;
using System.Security.Cryptography.X509Certificates;
using Provider.Monitor.Jobs;
using Provider.Monitor.Service;
using Provider.Monitor.Storage;
using Provider.Monitor.Web;

namespace Provider.Monitor.Tests.Web;

/// <summary>
/// The real thing for web tests: a SQLite store in a temp file seeded with <see cref="FleetSeed"/>, and the web
/// server on 127.0.0.1 with a port of its choosing. The clock is fixed at FleetSeed.Now. With the deploy service
/// on, the same file's token and job stores are used (authentication on), and buttons queue into the job store.
/// </summary>
public sealed class MonitorServer : IAsyncDisposable
{
    private readonly string directory;

    private readonly X509Certificate2? certificate;

    private MonitorServer(string directory, SqliteMonitorStore store, CycleSignal signal, MonitorWebApp app, X509Certificate2? certificate)
    {
        this.directory = directory;
        this.certificate = certificate;
        Store = store;
        Signal = signal;
        App = app;
        Client = NewClient();
    }

    public string Directory => directory;

    public SqliteMonitorStore Store { get; }

    public CycleSignal Signal { get; }

    public MonitorWebApp App { get; }

    public HttpClient Client { get; }

    public Uri Address => App.Address;

    /// <summary>A client of its own (with a cookie jar when asked; redirects are not followed, so tests see them).</summary>
    public HttpClient NewClient(CookieContainer? cookies = null)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = cookies is not null, CookieContainer = cookies ?? new CookieContainer() };
        if (certificate is not null)
        {
            // Trust exactly the test's self-signed certificate.
            var expected = certificate.Thumbprint;
            handler.ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == expected;
        }

        return new HttpClient(handler) { BaseAddress = App.Address, Timeout = TimeSpan.FromSeconds(20) };
    }

    public static async Task<MonitorServer> StartAsync(TimeSpan? keepAlive = null, bool deployService = false, Func<string, X509Certificate2>? certificate = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "monitor-web-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var cert = certificate?.Invoke(directory);
        var clock = new FixedClock(FleetSeed.Now);
        var store = await SqliteMonitorStore.OpenAsync(Path.Combine(directory, "monitor.db"), CancellationToken.None, clock);
        foreach (var cycle in FleetSeed.Cycles())
        {
            await store.RecordCycleAsync(cycle, CancellationToken.None);
        }

        var signal = new CycleSignal();
        var options = new MonitorWebOptions(cert is null ? "http://127.0.0.1:0" : "https://127.0.0.1:0", TimeSpan.FromSeconds(30))
        {
            KeepAlive = keepAlive ?? TimeSpan.FromSeconds(15),
            Certificate = cert,
        };
        if (deployService)
        {
            options = options with { Tokens = store.Tokens, Jobs = store.Jobs, Queue = new StoreQueue(store.Jobs) };
        }

        var app = MonitorWebApp.Create(store, signal, options, clock);
        await app.StartAsync(CancellationToken.None);
        return new MonitorServer(directory, store, signal, app, cert);
    }

    /// <summary>Stores a cycle and tells listeners, as the collector does.</summary>
    public async Task RecordAsync(NodeCycle cycle)
    {
        await Store.RecordCycleAsync(cycle, CancellationToken.None);
        Signal.Publish(cycle.Snapshot.Node);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        await Store.DisposeAsync();
        certificate?.Dispose();
        System.IO.Directory.Delete(directory, recursive: true);
    }

    /// <summary>
    /// The web layer's side of the job queue without the lead's runner: requests go straight into the real job
    /// store (nodes held: the ones named), so tests look at what a button queued in the store itself.
    /// </summary>
    private sealed class StoreQueue(IJobStore jobs) : IJobQueue
    {
        public Task<Job> EnqueueAsync(JobRequest request, JobOrigin origin, CancellationToken ct) =>
            jobs.EnqueueAsync(request, origin, request.Nodes.IsDefault ? [] : request.Nodes, ct);

        public Task<bool> CancelAsync(long jobId, CancellationToken ct) => jobs.RequestCancelAsync(jobId, ct);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

/// <summary>One server for a test class.</summary>
public sealed class MonitorServerFixture : IAsyncLifetime
{
    private MonitorServer? server;

    public MonitorServer Server => server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => server = await MonitorServer.StartAsync(keepAlive: TimeSpan.FromMilliseconds(300));

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
