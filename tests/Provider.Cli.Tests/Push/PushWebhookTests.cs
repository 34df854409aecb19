using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Monitor.Jobs;

namespace Provider.Cli.Tests.Push;

/// <summary>POST /hooks/git and /hooks/push over real Kestrel: signatures per git host, what is queued (a push job with its origin) and what is not.</summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class PushWebhookTests : IAsyncLifetime, IDisposable
{
    private const string Secret = "s3cret-for-tests";
    private const string Rev = "abcdef1234567890abcdef1234567890abcdef12";
    private readonly string? previousCache = Environment.GetEnvironmentVariable("HOSTENV_PROVIDER_CACHE");
    private TempDir? cacheDir;
    private PushServer? pushServer;

    // Made per test in InitializeAsync; the server is released in DisposeAsync, the cache in Dispose.
    private PushServer server => pushServer ?? throw new InvalidOperationException("not initialised");

    public Task InitializeAsync()
    {
        cacheDir = new TempDir();
        pushServer = new PushServer();
        Environment.SetEnvironmentVariable("HOSTENV_PROVIDER_CACHE", cacheDir.Path);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (pushServer is not null)
        {
            await pushServer.DisposeAsync();
        }
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("HOSTENV_PROVIDER_CACHE", previousCache);
        cacheDir?.Dispose();
    }

    private string GitHubBody(string @ref = "refs/heads/main", string? url = null) => new JsonObject
    {
        ["ref"] = @ref,
        ["after"] = Rev,
        ["repository"] = new JsonObject { ["clone_url"] = url ?? server.Origin.Url, ["ssh_url"] = "git@example.test:acme/shop.git" },
    }.ToJsonString();

    private static string Hmac(string body) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));

    private async Task<HttpResponseMessage> PostAsync(string body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/git") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await server.Client.SendAsync(request);
    }

    private async Task<Job> SingleJob() => Assert.Single(await server.Stores.Jobs.ListAsync(10, null, CancellationToken.None));

    private async Task AssertNothingQueued() => Assert.Empty(await server.Stores.Jobs.ListAsync(10, null, CancellationToken.None));

    [Fact]
    public async Task GitHub_ValidSignature_QueuesOnePushJobWithWebhookOrigin()
    {
        await server.StartAsync(Secret);
        var body = GitHubBody();

        using var response = await PostAsync(body, ("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + Hmac(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await SingleJob();
        Assert.Equal(JobKind.Push, job.Request.Kind);
        Assert.Equal("refs/heads/main", job.Request.Push?.Ref);
        Assert.Equal("acme__shop", Assert.Single(Assert.IsType<PushedRef>(job.Request.Push).Projects));
        Assert.Single(job.Request.Environments);
        Assert.Equal("node-a", Assert.Single(job.Nodes));
        Assert.Equal(new JobOrigin("webhook:github", "webhook", "127.0.0.1", "push refs/heads/main abcdef1"), job.Origin);
    }

    [Theory]
    [InlineData("sha256=0000")]
    [InlineData("sha1=abc")]
    [InlineData(null)]
    public async Task GitHub_WrongOrMissingSignature_401AndNothingQueued(string? signature)
    {
        await server.StartAsync(Secret);
        var body = GitHubBody();
        var headers = signature is null ? new[] { ("X-GitHub-Event", "push") } : [("X-GitHub-Event", "push"), ("X-Hub-Signature-256", signature)];

        using var response = await PostAsync(body, headers);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingQueued();
    }

    [Fact]
    public async Task GitHub_SignatureOfAnotherBody_401()
    {
        await server.StartAsync(Secret);
        using var response = await PostAsync(GitHubBody(), ("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + Hmac(GitHubBody("refs/heads/other"))));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingQueued();
    }

    [Theory]
    [InlineData("gitea", "X-Gitea-Event", "X-Gitea-Signature")]
    [InlineData("forgejo", "X-Forgejo-Event", "X-Forgejo-Signature")]
    public async Task GiteaForgejo_HexSignature_QueuesAndWrongOne401(string sender, string eventHeader, string signatureHeader)
    {
        await server.StartAsync(Secret);
        var body = GitHubBody();

        using var wrong = await PostAsync(body, (eventHeader, "push"), (signatureHeader, Hmac(body + " ")));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        await AssertNothingQueued();

        // Gitea also sends GitHub's event header; its own signature decides.
        using var response = await PostAsync(body, (eventHeader, "push"), ("X-GitHub-Event", "push"), (signatureHeader, Hmac(body)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("webhook:" + sender, (await SingleJob()).Origin.Actor);
    }

    [Fact]
    public async Task GitLab_TokenEqualToSecret_QueuesAndWrongToken401()
    {
        await server.StartAsync(Secret);
        var body = new JsonObject
        {
            ["object_kind"] = "push",
            ["ref"] = "refs/heads/main",
            ["checkout_sha"] = Rev,
            ["after"] = Rev,
            ["project"] = new JsonObject { ["git_http_url"] = server.Origin.Url + ".git", ["git_ssh_url"] = "git@gitlab.example.test:acme/shop.git" },
        }.ToJsonString();

        using var wrong = await PostAsync(body, ("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", Secret + "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        await AssertNothingQueued();

        using var response = await PostAsync(body, ("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", Secret));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("webhook:gitlab", (await SingleJob()).Origin.Actor);
    }

    [Fact]
    public async Task Ping_SignedButNotAPush_204AndNothingQueued()
    {
        await server.StartAsync(Secret);
        var body = "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}";
        using var response = await PostAsync(body, ("X-GitHub-Event", "ping"), ("X-Hub-Signature-256", "sha256=" + Hmac(body)));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await AssertNothingQueued();
    }

    [Fact]
    public async Task Push_RefNobodyFollows_202WithReasonAndNothingQueued()
    {
        await server.StartAsync(Secret);
        var body = GitHubBody("refs/heads/feature");
        using var response = await PostAsync(body, ("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + Hmac(body)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("no environment follows refs/heads/feature of", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertNothingQueued();
    }

    [Fact]
    public async Task Webhooks_WithoutSecret_404AndNothingQueued()
    {
        await server.StartAsync(null);
        var body = GitHubBody();
        using var response = await PostAsync(body, ("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + Hmac(body)));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await AssertNothingQueued();
    }

    [Fact]
    public async Task Webhook_BodyOverOneMegabyte_413()
    {
        await server.StartAsync(Secret);
        var body = "{\"pad\":\"" + new string('x', 1024 * 1024) + "\"}";
        using var response = await PostAsync(body, ("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + Hmac(body)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingQueued();
    }

    [Fact]
    public async Task HooksPush_NeedsADeployToken_ThenQueuesWithTheTokensName()
    {
        var token = await server.StartAsync(null, withToken: true);
        var body = new JsonObject { ["repository"] = server.Origin.Path, ["ref"] = "refs/heads/main", ["rev"] = Rev }.ToJsonString();

        using var anonymous = await server.Client.PostAsync("/hooks/push", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        await AssertNothingQueued();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/push") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await SingleJob();
        Assert.Equal(("pusher", "push", "push refs/heads/main abcdef1"), (job.Origin.Actor, job.Origin.Via, job.Origin.Reason));
    }

    [Fact]
    public async Task HooksPush_StreamedAndNothingFollowsTheRef_OneProgressLineAndAResultWithExitCode0()
    {
        var token = await server.StartAsync(null, withToken: true);
        var body = new JsonObject { ["repository"] = server.Origin.Path, ["ref"] = "refs/heads/feature", ["rev"] = Rev }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/push") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = await response.Content.ReadAsStringAsync();
        Assert.StartsWith($"event: progress\ndata: no environment follows refs/heads/feature of {server.Origin.Path}\n\nevent: result\ndata: {{", stream, StringComparison.Ordinal);
        Assert.Contains("\"exitCode\":0", stream, StringComparison.Ordinal);
        await AssertNothingQueued();
    }
}
