using Provider.Monitor.Service;
using Provider.Monitor.Storage;
using Provider.Monitor.Web;

namespace Provider.Monitor.Tests.Web;

/// <summary>
/// The real thing for web tests: a SQLite store in a temp file seeded with <see cref="FleetSeed"/>, and the web
/// server on 127.0.0.1 with a port of its choosing. The clock is fixed at FleetSeed.Now.
/// </summary>
public sealed class MonitorServer : IAsyncDisposable
{
    private readonly string directory;

    private MonitorServer(string directory, SqliteMonitorStore store, CycleSignal signal, MonitorWebApp app)
    {
        this.directory = directory;
        Store = store;
        Signal = signal;
        App = app;
        Client = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(20) };
    }

    public SqliteMonitorStore Store { get; }

    public CycleSignal Signal { get; }

    public MonitorWebApp App { get; }

    public HttpClient Client { get; }

    public Uri Address => App.Address;

    public static async Task<MonitorServer> StartAsync(TimeSpan? keepAlive = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "monitor-web-" + Guid.NewGuid().ToString("N"));
        var clock = new FixedClock(FleetSeed.Now);
        var store = await SqliteMonitorStore.OpenAsync(Path.Combine(directory, "monitor.db"), CancellationToken.None, clock);
        foreach (var cycle in FleetSeed.Cycles())
        {
            await store.RecordCycleAsync(cycle, CancellationToken.None);
        }

        var signal = new CycleSignal();
        var options = new MonitorWebOptions("http://127.0.0.1:0", TimeSpan.FromSeconds(30)) { KeepAlive = keepAlive ?? TimeSpan.FromSeconds(15) };
        var app = MonitorWebApp.Create(store, signal, options, clock);
        await app.StartAsync(CancellationToken.None);
        return new MonitorServer(directory, store, signal, app);
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
        Directory.Delete(directory, recursive: true);
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
