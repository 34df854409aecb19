using Microsoft.Playwright;
using Provider.Monitor.Auth;
using static Microsoft.Playwright.Assertions;

namespace Provider.Monitor.Tests.Web;

/// <summary>The deploy service in Chromium: sign in and deploy with the keyboard alone.</summary>
public class DeployDashboardBrowserTests(DeployDashboardFixture fixture) : IClassFixture<DeployDashboardFixture>
{
    [Fact]
    public async Task Deploy_KeyboardOnly_LoginConfirmWithReason_LandsOnTheQueuedJob()
    {
        var secret = await AuthSession.CreateTokenAsync(fixture.Server, "ida", TokenScope.Deploy);
        var page = await fixture.NewPageAsync();

        await page.GotoAsync("/envs/shop");
        await page.WaitForURLAsync("**/login?returnUrl=%2Fenvs%2Fshop");
        await Expect(page.GetByLabel("API token")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(secret);
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForURLAsync("**/envs/shop");
        var deploy = page.GetByRole(AriaRole.Button, new() { Name = "Deploy shop…" });
        await Expect(deploy).ToBeVisibleAsync();
        await TabToAsync(page, deploy);
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForURLAsync("**/actions/deploy?env=shop");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Deploy environment shop?");
        await Expect(page.GetByLabel("Reason")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("ship the new checkout");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Deploy", Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/jobs/[0-9]+$"));
        var id = long.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var job = await fixture.Server.Store.Jobs.GetAsync(id, CancellationToken.None);
        Assert.NotNull(job);
        Assert.Equal(("ida", "button", "ship the new checkout"), (job.Origin.Actor, job.Origin.Via, job.Origin.Reason));
        Assert.Equal<string>(["shop"], job.Request.Environments);
        await Expect(page.Locator("h1")).ToHaveTextAsync($"Job {id}: Deploy environment shop");
        await Expect(page.Locator("#job-reason")).ToHaveTextAsync("ship the new checkout");
        await Expect(page.Locator("pre#job-log[aria-live='polite']")).ToHaveAttributeAsync("data-job-events", $"/api/jobs/{id}/events");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Cancel job {id}" })).ToBeVisibleAsync();
        Directory.CreateDirectory(DashboardFixture.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardFixture.ScreenshotDirectory, "job.png"), FullPage = true });
    }

    [Fact]
    public async Task EnvPage_ReadSession_HasNoActions()
    {
        var secret = await AuthSession.CreateTokenAsync(fixture.Server, "jo", TokenScope.Read);
        var page = await fixture.NewPageAsync();

        await page.GotoAsync("/login");
        await page.GetByLabel("API token").FillAsync(secret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(u => u.EndsWith('/'));
        await page.GotoAsync("/envs/shop");

        await Expect(page.Locator("h1")).ToHaveTextAsync("Environment shop");
        await Expect(page.Locator("section.actions")).ToHaveCountAsync(0);
        await Expect(page.Locator("form.session")).ToContainTextAsync("Signed in as jo (read)");
    }

    /// <summary>Presses Tab until the element has focus (as a keyboard user would), at most 40 times.</summary>
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 40; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("el => el === document.activeElement"))
            {
                return;
            }
        }

        Assert.Fail("Tab never reached the element.");
    }
}
