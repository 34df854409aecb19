using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Provider.Cli.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// `hostenv-provider serve` watching the real testbed, seen through /api/fleet, `logs` and Debian's chromium: healthy, a
/// stopped unit turning red without a reload, the app's own line found by the search page and by `logs --search`
/// (from the database and straight from the nodes), a node without sshd shown unreachable while the other keeps updating.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class ServeTestbedTests(TestbedEnvironment testbed) : IAsyncLifetime, IDisposable
{
    private readonly TempDir data = new();
    private TestbedProject project = null!;
    private InProcessServe serve = null!;
    private string token = "";
    private string env = "";
    private IPlaywright playwright = null!;
    private IBrowser browser = null!;

    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots", "testbed");

    public async Task InitializeAsync()
    {
        token = "tok" + Guid.NewGuid().ToString("N")[..16];
        project = new TestbedProject(testbed, "sv" + Environment.ProcessId % 10000, TestbedUids.Block(testbed)).Write(TestbedProject.AppOnNodeA, greeting: token);
        var deploy = await project.PlanAndDeploy("node-a");
        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        env = JsonNode.Parse((await project.Cli("status", "--node", "node-a", "--format", "json")).Stdout)!["environments"]!.AsArray()
            .Select(e => e!["environment"]!.GetValue<string>()).Single(e => e.StartsWith(project.Project + "-", StringComparison.Ordinal));

        serve = InProcessServe.Start("--dir", project.Repo.Path, "--identity", testbed.SshKey, "serve", "--db", Db, "--interval", "5s");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/lib/chromium/chromium", Headless = true });
        Directory.CreateDirectory(Screenshots);
    }

    private string Db => Path.Combine(data.Path, "monitor.db");

    private Uri address => serve.Address;

    private async Task<JsonNode> Fleet()
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        return JsonNode.Parse(await http.GetStringAsync("/api/fleet"))!;
    }

    private static JsonNode? Node(JsonNode fleet, string name) => fleet["nodes"]!.AsArray().SingleOrDefault(n => n!["node"]!.GetValue<string>() == name);

    private async Task<JsonNode> WaitForFleet(Func<JsonNode, bool> condition, string what)
    {
        for (var i = 0; i < 60; i++)
        {
            Assert.False(serve.Run.IsCompleted, "serve ended: " + (serve.Run.IsCompleted ? serve.Run.Result.Stderr : ""));
            try
            {
                var fleet = await Fleet();
                if (condition(fleet))
                {
                    return fleet;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(500);
        }

        throw new Xunit.Sdk.XunitException($"/api/fleet never showed {what} within 30 s: {await Fleet()}");
    }

    private string? Health(JsonNode fleet) =>
        Node(fleet, "node-a")?["environments"]?.AsArray().SingleOrDefault(e => e!["environment"]!.GetValue<string>() == env)?["health"]?.GetValue<string>();

    [Fact]
    public async Task Serve_ShowsTheFleet_FindsTheAppsToken_TurnsRedOnAStoppedUnit_AndShowsANodeWithoutSshdUnreachable()
    {
        var fleet = await WaitForFleet(f => Health(f) == "healthy" && Node(f, "node-b")?["reachable"]?.GetValue<bool>() == true, $"{env} healthy and node-b reachable");
        Assert.Equal(testbed.Nodes.Order(StringComparer.Ordinal), fleet["nodes"]!.AsArray().Select(n => n!["node"]!.GetValue<string>()));

        var context = await browser.NewContextAsync(new() { BaseURL = address.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        var row = page.Locator($"[data-node='node-a'] tr[data-env='{env}']");
        await Expect(row).ToHaveAttributeAsync("data-health", "healthy");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "overview-healthy.png"), FullPage = true });

        // The token the app printed at start: on the search page (typed, Enter), and through `logs` from the database and from the nodes.
        var search = await context.NewPageAsync();
        await search.GotoAsync("/logs");
        await search.GetByLabel("Text", new() { Exact = true }).FillAsync(token);
        await search.GetByLabel("Text", new() { Exact = true }).PressAsync("Enter");
        await Expect(search.Locator("tr[data-log-id] td.message mark").First).ToHaveTextAsync(token);
        await search.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "logs-token.png"), FullPage = true });
        var fromDb = await project.Cli("logs", "--db", Db, "--search", token, "--format", "json");
        Assert.True(fromDb.ExitCode == 0, fromDb.Stderr);
        var line = JsonNode.Parse(Assert.Single(fromDb.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)))!;
        Assert.Equal(env, line["environment"]!.GetValue<string>());
        var fromNodes = await project.Cli("logs", env, "--from-nodes", "--search", token, "--since", "1h");
        Assert.True(fromNodes.ExitCode == 0, fromNodes.Stderr);
        Assert.Contains(token, fromNodes.Stdout, StringComparison.Ordinal);

        // The unit stopped on the node: red on the open page, without a reload, within a cycle (5 s) and some margin.
        testbed.Ssh("node-a", $"sudo systemctl stop 'hostenv-{env}-app@*.service'");
        await Expect(row).ToHaveAttributeAsync("data-health", "down", new() { Timeout = 20_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "overview-down.png"), FullPage = true });

        // node-b without sshd (started again when the block ends): unreachable, while node-a is still collected.
        var before = Node(await Fleet(), "node-a")!["collectedAt"]!.GetValue<string>();
        await using (await testbed.StopSshdAsync("node-b"))
        {
            await Expect(page.Locator("[data-node='node-b']")).ToHaveAttributeAsync("data-reachable", "false", new() { Timeout = 20_000 });
            // node-b's refused login commits before node-a's cycle of the same round: wait for node-a's next one.
            var after = await WaitForFleet(f => Node(f, "node-a")!["collectedAt"]!.GetValue<string>() != before, "node-a collected again while node-b is unreachable");
            Assert.True(Node(after, "node-a")!["reachable"]!.GetValue<bool>());
            Assert.False(Node(after, "node-b")!["reachable"]!.GetValue<bool>());
            await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "overview-node-b-unreachable.png"), FullPage = true });
        }

        await page.GotoAsync("/nodes/node-a");
        await Expect(page.Locator("h1")).ToContainTextAsync("node-a");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "node-a.png"), FullPage = true });
        await page.GotoAsync($"/envs/{env}");
        await Expect(page.Locator("main")).ToContainTextAsync(token);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "env.png"), FullPage = true });

        // Ctrl+C: serve stops cleanly.
        var result = await serve.StopAsync();
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("serve stopped.", result.Stderr, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await serve.DisposeAsync();
        await browser.DisposeAsync();
        playwright.Dispose();
        project.Dispose();
    }

    public void Dispose() => data.Dispose();
}
