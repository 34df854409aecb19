using Microsoft.Playwright;

namespace Provider.Monitor.Tests.Web;

/// <summary>One server and one headless Chromium (Debian's) for a browser test class.</summary>
public class DashboardFixture : IAsyncLifetime
{
    private const string Chromium = "/usr/lib/chromium/chromium";
    private MonitorServer? server;
    private IPlaywright? playwright;
    private IBrowser? browser;

    public MonitorServer Server => server ?? throw new InvalidOperationException("The fixture has not started.");

    public IBrowser Browser => browser ?? throw new InvalidOperationException("The fixture has not started.");

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(15_000);
        server = await StartServerAsync();
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
    }

    protected virtual Task<MonitorServer> StartServerAsync() => MonitorServer.StartAsync();

    /// <summary>A fresh page (own context: no shared storage or focus between tests) on the server's address.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = Server.Address.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        // Generous: CI runs these beside the testbed suite on 2 cores, where one navigation once took over 10 s.
        // A timeout only bounds how long a failing test waits; passing tests are not slowed by it.
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>The same with the deploy service on: authentication, tokens, jobs.</summary>
public sealed class DeployDashboardFixture : DashboardFixture
{
    protected override Task<MonitorServer> StartServerAsync() => MonitorServer.StartAsync(deployService: true);
}
