using System.Net;
using System.Text.Json;
using Provider.Monitor.Auth;
using Provider.Monitor.Jobs;
using static Provider.Monitor.Tests.Web.AuthSession;

namespace Provider.Monitor.Tests.Web;

/// <summary>The deploy service's authentication over real Kestrel and the real SQLite token and job stores.</summary>
public sealed class AuthApiTests : IAsyncLifetime
{
    private MonitorServer? server;

    private MonitorServer Server => server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => server = await MonitorServer.StartAsync(deployService: true);

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Api_NoToken_401WithBearerChallengeAndProblemBody()
    {
        using var response = await Server.Client.GetAsync("/api/fleet");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("token create", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_NoTokenOrUnknownToken_RefusedAndNothingQueued()
    {
        using var anonymous = await PostFormAsync(Server.Client, "/actions/deploy", null, ("env", "shop"), ("reason", "try"));
        using var bogus = Bearer(Server, "hp_" + new string('A', 43));
        using var unknown = await PostFormAsync(bogus, "/actions/deploy", null, ("env", "shop"), ("reason", "try"));

        Assert.Equal(HttpStatusCode.SeeOther, anonymous.StatusCode);
        Assert.StartsWith("/login", anonymous.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Contains("invalid_token", unknown.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Empty(await Server.Store.Jobs.ListAsync(10, null, CancellationToken.None));
    }

    [Fact]
    public async Task ReadToken_GetsButWriteIs403AndNothingQueued()
    {
        using var client = Bearer(Server, await CreateTokenAsync(Server, "viewer", TokenScope.Read));

        using var fleet = await client.GetAsync("/api/fleet");
        using var page = await client.GetAsync("/envs/shop");
        using var write = await PostFormAsync(client, "/actions/deploy", null, ("env", "shop"), ("reason", "try"));
        using var audit = await client.GetAsync("/audit");

        Assert.Equal(HttpStatusCode.OK, fleet.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("/actions/deploy", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Contains("deploy scope", await write.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
        Assert.Empty(await Server.Store.Jobs.ListAsync(10, null, CancellationToken.None));
    }

    [Fact]
    public async Task DeployToken_PostsWithoutAntiforgery_JobQueuedWithOrigin()
    {
        using var client = Bearer(Server, await CreateTokenAsync(Server, "ci-bot", TokenScope.Deploy));

        using var response = await PostFormAsync(client, "/actions/rollback", null, ("env", "shop"), ("to", "r6"), ("reason", "r7 breaks checkout"));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var job = Assert.Single(await Server.Store.Jobs.ListAsync(10, null, CancellationToken.None));
        Assert.Equal($"/jobs/{job.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(JobKind.Rollback, job.Request.Kind);
        Assert.Equal<string>(["shop"], job.Request.Environments);
        Assert.Equal("r6", job.Request.To);
        Assert.Equal(new JobOrigin("ci-bot", "button", "127.0.0.1", "r7 breaks checkout"), job.Origin);
    }

    [Fact]
    public async Task RevokedToken_401()
    {
        var secret = await CreateTokenAsync(Server, "leaver", TokenScope.Admin);
        using var client = Bearer(Server, secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/whoami")).StatusCode);

        Assert.True(await Server.Store.Tokens.RevokeAsync("leaver", CancellationToken.None));
        using var response = await client.GetAsync("/api/whoami");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task WhoAmI_Bearer_NamesTokenAndScope()
    {
        using var client = Bearer(Server, await CreateTokenAsync(Server, "alice", TokenScope.Deploy));

        using var json = JsonDocument.Parse(await client.GetStringAsync("/api/whoami"));

        Assert.True(json.RootElement.GetProperty("authentication").GetBoolean());
        Assert.Equal("alice", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("deploy", json.RootElement.GetProperty("scope").GetString());
        Assert.Equal("bearer", json.RootElement.GetProperty("via").GetString());
    }

    [Fact]
    public async Task Page_NoSession_RedirectsToLoginAndBack()
    {
        using var response = await Server.Client.GetAsync("/envs/shop?x=1");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fenvs%2Fshop%3Fx%3D1", response.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await Server.Client.GetAsync("/login")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Server.Client.GetAsync("/assets/monitor.css")).StatusCode);
    }

    [Fact]
    public async Task Login_GoodToken_SessionCookieOpensPagesAndIsAudited()
    {
        var secret = await CreateTokenAsync(Server, "bob", TokenScope.Deploy);

        var (client, response) = await LoginAsync(Server, secret);
        using var _ = client;

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("hostenv-session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie.Replace("samesite", string.Empty, StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);
        var env = await client.GetStringAsync("/envs/shop");
        Assert.Contains("Signed in as <strong>bob</strong>", env, StringComparison.Ordinal);
        Assert.Contains("action=\"/actions/deploy\"", env, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/fleet")).StatusCode);
        var login = Assert.Single(await Server.Store.Tokens.ListAuditAsync(10, CancellationToken.None), a => a.Action == "login");
        Assert.Equal(("bob", "127.0.0.1"), (login.Actor, login.RemoteAddress));
    }

    [Fact]
    public async Task Session_TokenRevoked_EndsAtTheNextRequest()
    {
        var (client, _) = await LoginAsync(Server, await CreateTokenAsync(Server, "carol", TokenScope.Read));
        using var __ = client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        await Server.Store.Tokens.RevokeAsync("carol", CancellationToken.None);

        using var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Fact]
    public async Task Csrf_SessionPostWithoutFormToken_400AndNothingQueued_WithItQueued()
    {
        var (client, _) = await LoginAsync(Server, await CreateTokenAsync(Server, "dave", TokenScope.Deploy));
        using var __ = client;

        using var without = await PostFormAsync(client, "/actions/deploy", null, ("env", "shop"), ("reason", "forged"));
        using var wrong = await PostFormAsync(client, "/actions/deploy", "not-a-token", ("env", "shop"), ("reason", "forged"));
        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Empty(await Server.Store.Jobs.ListAsync(10, null, CancellationToken.None));

        var formToken = await FormTokenAsync(client, "/actions/deploy?env=shop");
        using var with = await PostFormAsync(client, "/actions/deploy", formToken, ("env", "shop"), ("reason", "ship r8"));
        Assert.Equal(HttpStatusCode.SeeOther, with.StatusCode);
        var job = Assert.Single(await Server.Store.Jobs.ListAsync(10, null, CancellationToken.None));
        Assert.Equal(new JobOrigin("dave", "button", "127.0.0.1", "ship r8"), job.Origin);
        var jobs = await client.GetStringAsync("/jobs");
        Assert.Contains($"data-job-id=\"{job.Id}\"", jobs, StringComparison.Ordinal);
        Assert.Contains("ship r8", jobs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csrf_HeaderTokenFromScript_Accepted()
    {
        var (client, _) = await LoginAsync(Server, await CreateTokenAsync(Server, "erin", TokenScope.Deploy));
        using var __ = client;
        var formToken = await FormTokenAsync(client, "/actions/deploy?node=alpha");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/actions/deploy")
        {
            Content = new FormUrlEncodedContent([new("node", "alpha"), new("reason", "kernel update")]),
        };
        request.Headers.Add("X-CSRF-Token", formToken);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal<string>(["alpha"], Assert.Single(await Server.Store.Jobs.ListAsync(10, null, CancellationToken.None)).Request.Nodes);
    }

    [Fact]
    public async Task FailedLogins_SixthWithinAMinute_429AndAuditedWithoutTokenText()
    {
        var good = await CreateTokenAsync(Server, "frank", TokenScope.Read);
        var client = Server.NewClient(new CookieContainer());
        var tries = Enumerable.Range(0, 5).Select(i => "hp_" + new string((char)('a' + i), 43)).ToList();
        foreach (var guess in tries)
        {
            using var failed = await PostFormAsync(client, "/login", await FormTokenAsync(client, "/login"), ("token", guess));
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var sixth = await PostFormAsync(client, "/login", await FormTokenAsync(client, "/login"), ("token", good));

        Assert.Equal((HttpStatusCode)429, sixth.StatusCode);
        Assert.InRange(sixth.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, 60);
        var audit = await Server.Store.Tokens.ListAuditAsync(100, CancellationToken.None);
        Assert.Equal(5, audit.Count(a => a.Action == "login-failed" && a.RemoteAddress == "127.0.0.1"));
        Assert.DoesNotContain(audit, a => a.Action == "login");
        var rows = Storage.SqliteMigrationTests.Query(Server.Store.Path, "SELECT * FROM audit");
        var stored = string.Join("\n", rows.SelectMany(r => r).Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.DoesNotContain("hp_", stored, StringComparison.Ordinal);
        Assert.All(tries.Append(good), t => Assert.DoesNotContain(t[3..13], stored, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_AdminSessionSeesIt_DeploySessionDoesNot()
    {
        var (admin, _) = await LoginAsync(Server, await CreateTokenAsync(Server, "root", TokenScope.Admin));
        var (deployer, _) = await LoginAsync(Server, await CreateTokenAsync(Server, "gina", TokenScope.Deploy));
        using var a = admin;
        using var d = deployer;

        var page = await admin.GetStringAsync("/audit");
        using var refused = await deployer.GetAsync("/audit");

        Assert.Contains("<td>login</td>", page, StringComparison.Ordinal);
        Assert.Contains("<td>gina</td>", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("admin scope", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_EndsTheSession()
    {
        var (client, _) = await LoginAsync(Server, await CreateTokenAsync(Server, "hank", TokenScope.Read));
        using var __ = client;

        using var response = await PostFormAsync(client, "/logout", await FormTokenAsync(client, "/"));
        using var after = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }
}
