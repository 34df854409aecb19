using System.Net;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Testing;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// A compose environment (app.compose) on the testbed's node-a, with a real Docker engine inside the node: images built
/// offline on the node (FROM scratch + the host's static busybox, whose httpd serves the release's www/), one project
/// per slot, the app's switch. One deployed project serves every step, so the engine's start-up and the image builds
/// are paid once. Needs `scripts/testbed up --containers`.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class ComposeTestbedTests(TestbedEnvironment testbed) : IDisposable
{
    private readonly TestbedProject project = new(testbed, "ct" + (Environment.ProcessId % 1000), TestbedUids.Block(testbed));

    private const string Environments = """
          main:
            type: production
            node: node-a
            virtualHosts:
              VHOST: { enableLetsEncrypt: false }
            app:
              compose: { file: compose.yaml, service: web, port: 8080 }
              healthCheck: { path: /health, deadlineSeconds: 6 }
              keepReleases: 2
        """;

    private const string ComposeFile = """
        services:
          web:
            build: .
            command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
            volumes: ["data:/data"]
        volumes:
          data: {}
        """;

    private const string Dockerfile = """
        FROM scratch
        COPY busybox /bin/busybox
        RUN ["/bin/busybox", "--install", "-s", "/bin"]
        COPY www /www
        """;

    /// <summary>The release's content: index.html says the greeting; /health exists only when healthy; a CGI shows the container's environment and UID.</summary>
    private void Release(string greeting, bool healthy)
    {
        var app = project.App;
        Directory.CreateDirectory(Path.Combine(app, "www", "cgi-bin"));
        File.WriteAllText(Path.Combine(app, "compose.yaml"), ComposeFile + "\n");
        File.WriteAllText(Path.Combine(app, "Dockerfile"), Dockerfile + "\n");
        File.Copy("/bin/busybox", Path.Combine(app, "busybox"), overwrite: true);
        File.WriteAllText(Path.Combine(app, "www", "index.html"), greeting + "\n");
        var health = Path.Combine(app, "www", "health");
        if (healthy)
        {
            File.WriteAllText(health, "ok\n");
        }
        else
        {
            File.Delete(health);
        }

        var cgi = Path.Combine(app, "www", "cgi-bin", "env");
        File.WriteAllText(cgi, "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"uid=$(id -u) value=$COMPOSE_TEST_VALUE\"\necho \"data=$(cat /data/mark 2>/dev/null)\"\n");
        File.SetUnixFileMode(cgi, (UnixFileMode)0b111_101_101);
    }

    private string Ssh(string command) => testbed.Ssh("node-a", command);

    [Fact]
    public async Task ComposeEnvironment_DeploysServesSwitchesUnderLoadRefusesUnhealthyAndRollsBackToTheExactImage()
    {
        Assert.True(testbed.Values.GetValueOrDefault("HOSTENV_TESTBED_CONTAINERS") == "1",
            "the testbed's nodes cannot run containers: bring it up with `scripts/testbed up --containers` (scripts/test does)");
        project.Write(Environments);
        File.Delete(Path.Combine(project.App, "server"));
        File.Delete(Path.Combine(project.App, "greeting.txt"));
        Release("v1", healthy: true);

        // The plan records the compose file's hash and marks the node; bootstrap then enables the engine there.
        var plan = await project.Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var planJson = JsonNode.Parse(File.ReadAllText(Path.Combine(project.Repo.Path, "generated", "plan.json")))!;
        var (user, env) = planJson["environments"]!.AsObject().Single(e => e.Key.StartsWith(project.Project + "-main-", StringComparison.Ordinal));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(project.App, "compose.yaml")))),
            env!["app"]!["compose"]!["fileSha256"]!.GetValue<string>());
        Assert.True(planJson["nodes"]!["node-a"]!["containers"]!.GetValue<bool>());
        var bootstrap = await project.Cli("node", "bootstrap", "node-a");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.Stdout + bootstrap.Stderr);
        var check = await project.Cli("node", "check", "node-a");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Contains("docker 20.10", check.Stdout, StringComparison.Ordinal);

        // The node's own value reaches the container as environment; the container runs as the environment's UID.
        Ssh($"sudo install -d -m 0750 /etc/hostenv/overrides/{user} && echo COMPOSE_TEST_VALUE=from-node | sudo tee /etc/hostenv/overrides/{user}/env >/dev/null");
        try
        {
            var first = await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
            Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
            Assert.Equal("v1\n", project.Get("node-a"));
            Assert.Equal($"uid={env["uid"]} value=from-node\ndata=\n", project.Get("node-a", "/cgi-bin/env"));
            var release1 = Ssh($"sudo cat /var/lib/hostenv/envs/{user}/state | sed -n 's/^release=//p'").Trim();
            var image1 = Ssh($"sudo docker image inspect -f '{{{{.Id}}}}' hostenv/{user}:{release1}").Trim();
            Assert.StartsWith("sha256:", image1, StringComparison.Ordinal);
            // A named volume belongs to the environment, not to a slot's project: it outlives the releases below.
            Ssh($"sudo docker run --rm -v {user}_data:/data hostenv/{user}:{release1} sh -c 'echo kept > /data/mark'");

            using var load = new HttpLoadGenerator(IPAddress.Parse(testbed.Address("node-a")), project.Vhost);
            load.Start();

            // A release whose health check fails never takes traffic; its project is gone afterwards.
            Release("v2", healthy: false);
            Assert.Equal(0, (await project.Cli("plan")).ExitCode);
            var broken = await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
            Assert.Equal(1, broken.ExitCode);
            Assert.Contains("health check failed: GET /health answered 404", broken.Stderr, StringComparison.Ordinal);
            Assert.Contains($"containers of {user}-", broken.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(load.Snapshot().Bodies, b => b.StartsWith("v2", StringComparison.Ordinal));

            // A good release under the same load: not one failed request.
            Release("v3", healthy: true);
            Assert.Equal(0, (await project.Cli("plan")).ExitCode);
            var good = await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
            Assert.True(good.ExitCode == 0, good.Stdout + good.Stderr);
            Thread.Sleep(300);
            var result = load.Stop();
            Assert.True(result.Requests > 50, $"only {result.Requests} requests were made");
            Assert.True(result.Failures == 0, $"{result.Failures} of {result.Requests} requests failed: {string.Join("; ", result.Errors.Take(5))}");
            Assert.DoesNotContain(result.Bodies, b => b.StartsWith("v2", StringComparison.Ordinal));
            Assert.Contains(result.Bodies, b => b.StartsWith("v1", StringComparison.Ordinal));
            Assert.Contains(result.Bodies, b => b.StartsWith("v3", StringComparison.Ordinal));
            Assert.Equal("v3\n", project.Get("node-a"));
            Assert.Equal($"uid={env["uid"]} value=from-node\ndata=kept\n", project.Get("node-a", "/cgi-bin/env"));
            // Only the live slot's project has containers: the old one was drained and stopped, the failed one removed.
            var perSlot = new[] { "a", "b" }.Select(slot => Ssh($"sudo docker ps -aq --filter label=com.docker.compose.project={user}-{slot}").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length).ToList();
            Assert.True(perSlot.Order().SequenceEqual([0, 1]), $"containers per slot (a, b): {perSlot[0]}, {perSlot[1]}");

            // Rollback runs release 1's image again, by its ID, without a build.
            var rollback = await project.Cli("rollback", "--env", user, "--yes");
            Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
            Assert.DoesNotContain("built ", rollback.Stderr, StringComparison.Ordinal);
            Assert.Equal("v1\n", project.Get("node-a"));
            var live = Ssh($"sudo cat /var/lib/hostenv/envs/{user}/state | sed -n 's/^slot=//p'").Trim();
            var running = Ssh($"sudo docker ps -q --filter label=com.docker.compose.project={user}-{live} | xargs -r sudo docker inspect -f '{{{{.Image}}}}'").Trim();
            Assert.Equal(image1, running);

            var history = await project.Cli("history", "--env", user, "--format", "json");
            Assert.Equal(0, history.ExitCode);
            var outcomes = JsonNode.Parse(history.Stdout)!.AsArray().Select(e => e!["outcome"]!.GetValue<string>()).ToList();
            Assert.True(outcomes.SequenceEqual(["deployed", "failed", "deployed", "rollback"]), history.Stdout);
        }
        finally
        {
            Ssh($"sudo rm -rf /etc/hostenv/overrides/{user}");
        }
    }

    public void Dispose() => project.Dispose();
}
