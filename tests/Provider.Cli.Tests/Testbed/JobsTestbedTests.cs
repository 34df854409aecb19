using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// The deploy service on the real testbed: without a token nothing is queued (401); with one, a POST that accepts
/// text/event-stream streams the job's progress and result and the release serves; a dropped stream resumes after its
/// Last-Event-ID; `deploy --remote` prints the service's progress and takes its exit code.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class JobsTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    private readonly TempDir data = new();

    [Fact]
    public async Task ServiceDeploy_RefusesWithoutToken_StreamsProgressAndResult_ResumesByLastEventId_AndDeployRemoteTakesItsExitCode()
    {
        using var project = new TestbedProject(testbed, "jb" + Environment.ProcessId % 10000, TestbedUids.Block(testbed)).Write(TestbedProject.AppOnNodeA, greeting: "first");
        Assert.Equal(0, (await project.Cli("plan")).ExitCode);
        var db = Path.Combine(data.Path, "service.db");
        var created = await project.Cli("token", "create", "ci", "--scope", "deploy", "--db", db);
        Assert.True(created.ExitCode == 0, created.Stderr);
        var token = created.Stdout.Trim();
        await using var serve = InProcessServe.Start("--dir", project.Repo.Path, "--identity", testbed.SshKey, "serve", "--db", db, "--interval", "30s");
        using var http = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromMinutes(3) };
        await serve.WaitListeningAsync();
        var body = new JsonObject { ["environments"] = new JsonArray(project.Project + "/main"), ["reason"] = "first release", ["skipGate"] = true }.ToJsonString();

        // Without a token: 401, and the queue stays empty.
        using (var anonymous = await http.PostAsync("api/deploy", new StringContent(body, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Empty(JsonNode.Parse(await http.GetStringAsync("api/jobs"))!.AsArray());

        // With it, streamed in the POST's own response: progress lines, then the result.
        using var post = new HttpRequestMessage(HttpMethod.Post, "api/deploy") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        post.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var streamed = await http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", streamed.Content.Headers.ContentType?.MediaType);
        var stream = await streamed.Content.ReadAsStringAsync();
        var jobId = long.Parse(streamed.Headers.GetValues("X-Job-Id").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("event: progress", stream, StringComparison.Ordinal);
        var result = JsonNode.Parse(stream.Split("event: result\ndata: ")[1].Split('\n')[0])!;
        Assert.True(result["exitCode"]!.GetValue<int>() == 0, stream);
        Assert.Equal("succeeded", result["state"]!.GetValue<string>());
        Assert.Contains("first from", project.Get("node-a"), StringComparison.Ordinal);

        // A reconnect after event 2 gets event 3 first and everything after it exactly once.
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"api/jobs/{jobId}/events");
        resume.Headers.Add("Last-Event-ID", "2");
        var resumed = await (await http.SendAsync(resume)).Content.ReadAsStringAsync();
        var ids = resumed.Split('\n').Where(l => l.StartsWith("id: ", StringComparison.Ordinal)).Select(l => long.Parse(l[4..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var all = stream.Split('\n').Where(l => l.StartsWith("id: ", StringComparison.Ordinal)).Select(l => long.Parse(l[4..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(all.Where(i => i > 2), ids);

        var job = JsonNode.Parse(await http.GetStringAsync($"api/jobs/{jobId}"))!;
        Assert.Equal("ci", job["origin"]!["actor"]!.GetValue<string>());
        Assert.Equal("first release", job["origin"]!["reason"]!.GetValue<string>());

        // deploy --remote: the service runs it, this process prints its progress and returns its exit code.
        File.WriteAllText(Path.Combine(project.App, "greeting.txt"), "second\n");
        var remote = await CliRunner.RunAsync("deploy", "--remote", serve.Address.ToString(), "--token", token, "--env", project.Project + "/main", "--skip-gate", "--reason", "remote test");
        Assert.True(remote.ExitCode == 0, remote.Stderr);
        Assert.Contains("succeeded", remote.Stderr, StringComparison.Ordinal);
        Assert.Contains("second from", project.Get("node-a"), StringComparison.Ordinal);
        var badToken = await CliRunner.RunAsync("deploy", "--remote", serve.Address.ToString(), "--token", "hp_wrong", "--env", project.Project + "/main");
        Assert.Equal(1, badToken.ExitCode);
        Assert.Contains("401", badToken.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, JsonNode.Parse(await http.GetStringAsync("api/jobs"))!.AsArray().Count);
    }

    public void Dispose() => data.Dispose();
}
