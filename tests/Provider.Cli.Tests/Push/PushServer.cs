using System.Net;
using Provider.Cli.Tests.Support;
using Provider.Monitor.Auth;
using Provider.Monitor.Jobs;
using Provider.Monitor.Push;
using Provider.Monitor.Service;
using Provider.Monitor.Storage;
using Provider.Monitor.Web;

namespace Provider.Cli.Tests.Push;

/// <summary>
/// A provider repo whose project acme__shop comes from a real git repository (pinned and planned with the CLI), and the
/// service's web app on a free loopback port with the push endpoints, a real SQLite job store and the real job queue
/// (which validates against the plan; nothing runs the queued jobs).
/// </summary>
public sealed class PushServer : IAsyncDisposable
{
    public const string Manifest = "organisation: acme\nproject: shop\nenvironments:\n  main:\n    type: production\n    virtualHosts:\n      shop.test: {}\n";
    private readonly TempDir data = new();
    private MonitorStores? stores;
    private JobRunner? runner;
    private MonitorWebApp? web;

    public TempDir Repo { get; } = new();

    public GitRepo Origin { get; } = new();

    public MonitorStores Stores => stores ?? throw new InvalidOperationException("not started");

    public HttpClient Client { get; private set; } = new();

    /// <param name="secret">The webhook secret (null: webhooks off).</param>
    /// <param name="withToken">Turns authentication on with one deploy token; its secret is returned.</param>
    public async Task<string?> StartAsync(string? secret, bool withToken = false)
    {
        Origin.Commit(".hostenv/hostenv.yaml", Manifest);
        Directory.CreateDirectory(Path.Combine(Repo.Path, "nodes", "node-a"));
        File.WriteAllText(Path.Combine(Repo.Path, "nodes", "node-a", "node.yaml"), "address: 10.0.0.1\n");
        File.WriteAllText(Path.Combine(Repo.Path, "provider.yaml"),
            $"hostenvHostname: hosting.test\nnodeFor: {{ default: node-a }}\nprojects:\n  acme__shop: {{ git: \"{Origin.Url}\", ref: main }}\n");
        var locked = await CliRunner.RunAsync("--dir", Repo.Path, "lock", "update");
        Assert.True(locked.ExitCode == 0, locked.Stderr);
        var planned = await CliRunner.RunAsync("--dir", Repo.Path, "plan");
        Assert.True(planned.ExitCode == 0, planned.Stderr);

        stores = await MonitorStores.OpenAsync(Path.Combine(data.Path, "service.db"), CancellationToken.None);
        string? token = null;
        if (withToken)
        {
            token = (await stores.Tokens.CreateAsync("pusher", TokenScope.Deploy, CancellationToken.None)).Secret;
        }

        runner = new JobRunner(Repo.Path, null, stores.Jobs, "test", JobRunnerOptions.Default);
        web = MonitorWebApp.Create(stores.Monitor, new CycleSignal(), MonitorWebOptions.ForEndPoint(new IPEndPoint(IPAddress.Loopback, 0), TimeSpan.FromSeconds(30)) with
        {
            Jobs = stores.Jobs,
            Queue = runner,
            Tokens = withToken ? stores.Tokens : null,
        });
        PushHooks.Map(web.Routes.Pages, new PushReceiver(Repo.Path, runner), secret is null ? null : System.Text.Encoding.UTF8.GetBytes(secret));
        await web.StartAsync(CancellationToken.None);
        Client = new HttpClient { BaseAddress = web.Address };
        return token;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (web is not null)
        {
            await web.StopAsync(CancellationToken.None);
            await web.DisposeAsync();
        }

        runner?.Dispose();
        if (stores is not null)
        {
            await stores.DisposeAsync();
        }

        Origin.Dispose();
        Repo.Dispose();
        data.Dispose();
    }
}
