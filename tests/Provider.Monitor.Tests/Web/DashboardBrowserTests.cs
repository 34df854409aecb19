using Microsoft.Playwright;
using Provider.Monitor.Storage;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Provider.Monitor.Tests.Web;

public class DashboardBrowserTests(DashboardFixture fixture, ITestOutputHelper output) : IClassFixture<DashboardFixture>
{
    [Fact]
    public async Task Overview_SeededFleet_ShowsHealthyEnvAndUnreachableNode()
    {
        var page = await OpenAsync("/");
        var shop = page.Locator("[data-node='alpha'] tr[data-env='shop']");
        await Expect(shop).ToHaveAttributeAsync("data-health", "healthy");
        await Expect(shop).ToContainTextAsync("healthy");
        await Expect(page.Locator("[data-node='beta']")).ToHaveAttributeAsync("data-reachable", "false");
        await Expect(page.Locator("[data-node='beta']")).ToContainTextAsync("unreachable");
        await Expect(page.Locator("[data-vhost='blog.example']")).ToHaveAttributeAsync("data-cert", "warn");
        await Expect(page.Locator("[data-vhost='api.example']")).ToContainTextAsync("placeholder");
    }

    [Fact]
    public async Task Overview_CycleTurnsEnvDown_RowUpdatesWithoutReload()
    {
        var page = await OpenAsync("/");
        var blog = page.Locator("[data-node='alpha'] tr[data-env='blog']");
        await Expect(blog).ToHaveAttributeAsync("data-health", "healthy");
        await Expect(page.Locator("#live-status")).ToContainTextAsync("Live updates: on");
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        await fixture.Server.RecordAsync(FleetSeed.Alpha(FleetSeed.Now.AddMinutes(-1), blog: Health.Down));

        await Expect(blog).ToHaveAttributeAsync("data-health", "down", new() { Timeout = 10_000 });
        await Expect(blog).ToContainTextAsync("down");
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the page was reloaded");
    }

    [Fact]
    public async Task Logs_TokenTypedAndEnterPressed_ShowsItMarked()
    {
        var page = await OpenAsync("/logs");
        var text = page.GetByLabel("Text", new() { Exact = true });
        await text.FillAsync(FleetSeed.Token);
        await text.PressAsync("Enter");
        await page.WaitForURLAsync($"**/logs?q={FleetSeed.Token}*");
        var mark = page.Locator("tr[data-log-id] td.message mark");
        await Expect(mark).ToHaveTextAsync(FleetSeed.Token);
        await Expect(page.GetByLabel("Text", new() { Exact = true })).ToHaveValueAsync(FleetSeed.Token);
    }

    [Fact]
    public async Task Logs_CycleWhileTyping_KeepsTheTypedText()
    {
        var page = await OpenAsync("/logs");
        await Expect(page.Locator("#live-status")).ToContainTextAsync("Live updates: on");
        var text = page.GetByLabel("Text", new() { Exact = true });
        await text.FillAsync("half-typed");
        await page.Locator("body").ClickAsync(new() { Position = new() { X = 5, Y = 5 } });

        fixture.Server.Signal.Publish("alpha");
        await Task.Delay(1500);

        await Expect(text).ToHaveValueAsync("half-typed");
    }

    [Fact]
    public async Task Logs_MessageWithScriptTag_RendersAsText()
    {
        var page = await fixture.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) =>
        {
            dialogs++;
            _ = dialog.DismissAsync();
        };
        await page.GotoAsync("/logs?q=alert");
        await Expect(page.Locator("tr[data-log-id] td.message")).ToContainTextAsync("<script>alert(1)</script>");
        Assert.Equal(0, await page.Locator("main script").CountAsync());
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task NodePage_Alpha_ShowsRequestChartAndCurrentGeneration()
    {
        var page = await OpenAsync("/nodes/alpha");
        await Expect(page.Locator("svg[data-chart='requests'] polyline")).ToBeVisibleAsync();
        await Expect(page.Locator("svg[data-chart='requests'] rect.errors").First).ToBeAttachedAsync();
        await Expect(page.Locator("tr[data-current='true']")).ToContainTextAsync("42");
    }

    [Fact]
    public async Task Keyboard_TabFromPageStart_ReachesSkipLinkFirst()
    {
        var page = await OpenAsync("/");
        await page.Keyboard.PressAsync("Tab");
        var skip = page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" });
        await Expect(skip).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("main")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task Pages_Main_HaveOneH1AndScreenshotsAreWritten()
    {
        Directory.CreateDirectory(DashboardFixture.ScreenshotDirectory);
        (string Name, string Path)[] pages =
        [
            ("overview", "/"), ("node", "/nodes/alpha"), ("env", "/envs/shop"), ("logs", "/logs?q=paid"), ("history", "/history"),
        ];
        foreach (var (name, path) in pages)
        {
            var page = await OpenAsync(path);
            await Expect(page.Locator("h1")).ToHaveCountAsync(1);
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
            var file = Path.Combine(DashboardFixture.ScreenshotDirectory, name + ".png");
            await page.ScreenshotAsync(new() { Path = file, FullPage = true });
            Assert.True(new FileInfo(file).Length > 0);
        }

        output.WriteLine($"Screenshots: {DashboardFixture.ScreenshotDirectory}");
    }

    private async Task<IPage> OpenAsync(string path)
    {
        var page = await fixture.NewPageAsync();
        var response = await page.GotoAsync(path);
        Assert.Equal(200, response?.Status);
        return page;
    }
}
