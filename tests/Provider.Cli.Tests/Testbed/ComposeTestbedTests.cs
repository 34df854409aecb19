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
            healthcheck:
              test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]
              interval: 1s
              timeout: 2s
              retries: 1
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
            await StatusShowsTheLiveContainer(user, release1, image1);
            await DryRunSaysWhyANewReleaseWouldBeMade(user, env["app"]!["compose"]!["fileSha256"]!.GetValue<string>());

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
            var entries = JsonNode.Parse(history.Stdout)!.AsArray();
            var outcomes = entries.Select(e => e!["outcome"]!.GetValue<string>()).ToList();
            Assert.True(outcomes.SequenceEqual(["deployed", "failed", "deployed", "rollback"]), history.Stdout);
            // Each compose release lists the image it was built with; the rollback's is release 1's, the one that runs.
            foreach (var entry in new[] { entries[0]!, entries[3]! })
            {
                Assert.Equal(release1, entry["release"]!.GetValue<string>());
                var images = entry["images"]!.AsArray();
                Assert.True(images.Count == 1, history.Stdout);
                Assert.Equal($"hostenv/{user}:{release1}", images[0]!["image"]!.GetValue<string>());
                Assert.Equal(image1, images[0]!["id"]!.GetValue<string>());
            }

            Assert.All(entries, e => Assert.Equal($"hostenv/{user}:{e!["release"]!.GetValue<string>()}", e!["images"]!.AsArray().Single()!["image"]!.GetValue<string>()));
            var historyText = await project.Cli("history", "--env", user);
            Assert.Equal(0, historyText.ExitCode);
            Assert.Contains("IMAGE", historyText.Stdout, StringComparison.Ordinal);
            Assert.Contains($"hostenv/{user}:{release1} ({image1[7..19]})", historyText.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Ssh($"sudo rm -rf /etc/hostenv/overrides/{user}");
        }
    }

    /// <summary>
    /// A service that names an image (no build): the image is pinned at build by its ID (a locally tagged image has no
    /// registry digest; nodes are offline), so moving the tag on the node changes what a new release runs but not what a
    /// rollback runs. The containers run inside the environment's slice, under its CPU limit.
    /// </summary>
    [Fact]
    public async Task ComposeImageOnlyService_PinnedAtBuild_RollbackRunsThePinnedImageAfterTheTagMoved_InTheEnvironmentsSlice()
    {
        Assert.True(testbed.Values.GetValueOrDefault("HOSTENV_TESTBED_CONTAINERS") == "1",
            "the testbed's nodes cannot run containers: bring it up with `scripts/testbed up --containers` (scripts/test does)");
        using var pinned = new TestbedProject(testbed, "cp" + (Environment.ProcessId % 1000), TestbedUids.Block(testbed));
        var image = $"local.test/{pinned.Project}-web:stable";
        pinned.Write(Environments.Replace("keepReleases: 2", "keepReleases: 3", StringComparison.Ordinal)
            + "\n    resources: { cpuQuota: 50%, memoryMax: 256M }\n");
        File.Delete(Path.Combine(pinned.App, "server"));
        File.Delete(Path.Combine(pinned.App, "greeting.txt"));
        File.WriteAllText(Path.Combine(pinned.App, "compose.yaml"), $$"""
            services:
              web:
                image: {{image}}
                pull_policy: never
                command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
            """ + "\n");

        // Two images under one tag, built on the node (offline: scratch + the host's static busybox).
        var dir = $"/tmp/{pinned.Project}-img";
        testbed.SshWithInput("node-a", $"sudo install -d {dir} && sudo tee {dir}/busybox >/dev/null && sudo chmod 0755 {dir}/busybox", "/bin/busybox");
        string Build(string greeting)
        {
            Ssh($"printf 'FROM scratch\\nCOPY busybox /bin/busybox\\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\\nRUN mkdir /www && echo {greeting} > /www/index.html && echo ok > /www/health\\n' | sudo tee {dir}/Dockerfile >/dev/null");
            var id = Ssh($"sudo docker build -q -t {image} {dir}").Trim().Split('\n').Last();
            Assert.StartsWith("sha256:", id, StringComparison.Ordinal);
            return id;
        }

        try
        {
            Assert.Equal(0, (await pinned.Cli("plan")).ExitCode);
            var bootstrap = await pinned.Cli("node", "bootstrap", "node-a");
            Assert.True(bootstrap.ExitCode == 0, bootstrap.Stdout + bootstrap.Stderr);
            var one = Build("one");
            var first = await pinned.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
            Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
            Assert.Contains($"pinned web to {image} ({one[7..19]})", first.Stderr, StringComparison.Ordinal);
            Assert.Equal("one\n", pinned.Get("node-a"));
            var planJson = JsonNode.Parse(File.ReadAllText(Path.Combine(pinned.Repo.Path, "generated", "plan.json")))!;
            var user = planJson["environments"]!.AsObject().Single(e => e.Key.StartsWith(pinned.Project + "-main-", StringComparison.Ordinal)).Key;
            string Running()
            {
                var slot = Ssh($"sudo sed -n 's/^slot=//p' /var/lib/hostenv/envs/{user}/state").Trim();
                return Ssh($"sudo docker ps -q --filter label=com.docker.compose.project={user}-{slot} | xargs -r sudo docker inspect -f '{{{{.Image}}}} {{{{.State.Pid}}}} {{{{.Config.Image}}}}'").Trim();
            }

            Assert.Equal($"{one} {one}", Drop(Running(), 1));

            // Inside the environment's slice in every controller's hierarchy (cgroupfs driver, cgroup_parent), so the
            // slice's limits cover the container, and systemd holds the slice's limits. Not asserted: the kernel values
            // (cpu.cfs_quota_us, memory.limit_in_bytes). On this testbed the nodes' cgroups are v1 under systemd-nspawn
            // and systemd in the node does not realize the v1 cpu/memory controllers for any unit (the slice's own
            // cpu.cfs_quota_us reads -1, apps' units included); on a cgroup v2 node the slice's memory.max/cpu.max apply.
            var pid = Running().Split(' ')[1];
            var cgroup = Ssh($"cat /proc/{pid}/cgroup").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // hostenv-<user>.slice, nested as systemd.slice(5) nests dashed names: /hostenv.slice/hostenv-a.slice/hostenv-a-b.slice...
            var words = ("hostenv-" + user).Split('-');
            var slicePath = string.Concat(Enumerable.Range(1, words.Length).Select(i => "/" + string.Join('-', words.Take(i)) + ".slice"));
            foreach (var controller in new[] { "cpu", "memory", "pids", "name=systemd" })
            {
                var line = cgroup.Single(l => l.Split(':') is [_, var controllers, _] && controllers.Split(',').Contains(controller));
                Assert.StartsWith(slicePath + "/", line.Split(':')[2], StringComparison.Ordinal);
            }

            var limits = Ssh($"systemctl show hostenv-{user}.slice -p CPUQuotaPerSecUSec -p MemoryMax -p ActiveState");
            Assert.Contains("CPUQuotaPerSecUSec=500ms", limits, StringComparison.Ordinal);
            Assert.Contains("MemoryMax=268435456", limits, StringComparison.Ordinal);
            Assert.Contains("ActiveState=active", limits, StringComparison.Ordinal);

            // The tag moves to another image; a new release (another file in it) pins the new one.
            var two = Build("two");
            Assert.NotEqual(one, two);
            File.WriteAllText(Path.Combine(pinned.App, "note.txt"), "release 2\n");
            Assert.Equal(0, (await pinned.Cli("plan")).ExitCode);
            var second = await pinned.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");
            Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
            Assert.Equal("two\n", pinned.Get("node-a"));
            Assert.Equal($"{two} {two}", Drop(Running(), 1));

            // Rollback runs release 1's image by its ID, though the tag it named now points at the other image.
            var rollback = await pinned.Cli("rollback", "--env", user, "--yes");
            Assert.True(rollback.ExitCode == 0, rollback.Stdout + rollback.Stderr);
            Assert.Equal("one\n", pinned.Get("node-a"));
            Assert.Equal($"{one} {one}", Drop(Running(), 1));

            var history = JsonNode.Parse((await pinned.Cli("history", "--env", user, "--format", "json")).Stdout)!.AsArray();
            Assert.Equal(["deployed", "deployed", "rollback"], history.Select(e => e!["outcome"]!.GetValue<string>()));
            var recorded = history.Select(e => e!["images"]!.AsArray().Single()!).ToList();
            Assert.All(recorded, r => Assert.Equal("web", r["service"]!.GetValue<string>()));
            Assert.All(recorded, r => Assert.Equal(image, r["image"]!.GetValue<string>()));
            Assert.All(recorded, r => Assert.Null(r["digest"]));
            Assert.Equal([one, two, one], recorded.Select(r => r["id"]!.GetValue<string>()));
        }
        finally
        {
            Ssh($"sudo rm -rf {dir}");
        }
    }

    /// <summary>The words of <paramref name="text"/> without the one at <paramref name="index"/>.</summary>
    private static string Drop(string text, int index) => string.Join(' ', text.Split(' ').Where((_, i) => i != index));

    /// <summary>status --format json: the environment's row (kind compose), polled until <paramref name="done"/> holds (at most 20 s).</summary>
    private async Task<JsonObject> StatusRow(string user, Func<JsonObject, bool> done)
    {
        JsonObject? row = null;
        for (var i = 0; i < 40; i++)
        {
            var status = await project.Cli("status", "--node", "node-a", "--format", "json");
            Assert.True(status.ExitCode == 0, status.Stdout + status.Stderr);
            row = JsonNode.Parse(status.Stdout)!["environments"]!.AsArray().Single(e => e!["environment"]!.GetValue<string>() == user)!.AsObject();
            if (done(row))
            {
                return row;
            }

            await Task.Delay(500);
        }

        Assert.Fail("status never showed what was expected; last row: " + row?.ToJsonString());
        return row!;
    }

    /// <summary>
    /// status shows the live slot's container (service, name, state, health from its healthcheck, image tag and ID), and
    /// shows it unhealthy, then exited, when it is; then the container is brought back.
    /// </summary>
    private async Task StatusShowsTheLiveContainer(string user, string release, string imageId)
    {
        static string? Health(JsonObject row) => row["containers"]?.AsArray().FirstOrDefault()?["health"]?.GetValue<string>();
        var row = await StatusRow(user, r => Health(r) == "healthy");
        Assert.Equal("compose", row["kind"]!.GetValue<string>());
        Assert.Equal("running", row["service"]!.GetValue<string>());
        var slot = row["slot"]!.GetValue<string>();
        var container = row["containers"]!.AsArray().Single()!;
        Assert.Equal(slot, container["slot"]!.GetValue<string>());
        Assert.True(container["live"]!.GetValue<bool>());
        Assert.Equal("web", container["service"]!.GetValue<string>());
        Assert.Equal("running", container["state"]!.GetValue<string>());
        Assert.Equal($"hostenv/{user}:{release}", container["image"]!.GetValue<string>());
        Assert.Equal(imageId, container["imageId"]!.GetValue<string>());
        var name = container["container"]!.GetValue<string>();
        Assert.StartsWith($"{user}-{slot}", name, StringComparison.Ordinal);

        var text = await project.Cli("status", "--node", "node-a");
        Assert.Equal(0, text.ExitCode);
        var line = text.Stdout.Split('\n').Single(l => l.Contains(name, StringComparison.Ordinal));
        Assert.Contains($"{slot} (live)", line, StringComparison.Ordinal);
        Assert.Contains("healthy", line, StringComparison.Ordinal);
        Assert.Contains($"hostenv/{user}:{release}", line, StringComparison.Ordinal);
        Assert.Contains(imageId[7..19], line, StringComparison.Ordinal);

        // The healthcheck fails: the live container is shown unhealthy (its health, and the environment's service).
        Ssh($"sudo docker exec -u 0 {name} rm /www/health");
        row = await StatusRow(user, r => Health(r) == "unhealthy");
        Assert.Equal("web unhealthy", row["service"]!.GetValue<string>());
        Assert.Contains("unhealthy", (await project.Cli("status", "--node", "node-a")).Stdout, StringComparison.Ordinal);

        // Stopped: exited, with its exit code.
        Ssh($"sudo docker stop -t 1 {name}");
        row = await StatusRow(user, r => r["containers"]?.AsArray().FirstOrDefault()?["state"]?.GetValue<string>() == "exited");
        Assert.StartsWith("web exited (", row["service"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("exited (", (await project.Cli("status", "--node", "node-a")).Stdout, StringComparison.Ordinal);

        // diagnose reads the same containers and says what to run.
        var dns = testbed.Values["HOSTENV_TESTBED_DNS"];
        var diagnose = await project.Cli("diagnose", "--env", user, "--nameserver", dns, "--format", "json");
        Assert.True(diagnose.ExitCode == 1, diagnose.Stdout + diagnose.Stderr);
        var finding = JsonNode.Parse(diagnose.Stdout)!["findings"]!.AsArray().Single(f => f!["check"]!.GetValue<string>() == "containers")!;
        Assert.StartsWith($"compose project {user}-{slot} (release {release}, the live slot): web exited (", finding["seen"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains($"sudo docker start {name}", finding["recommendation"]!.GetValue<string>(), StringComparison.Ordinal);

        Ssh($"sudo docker start {name} && sudo docker exec -u 0 {name} sh -c 'echo ok > /www/health'");
        await StatusRow(user, r => Health(r) == "healthy");
        Assert.Equal("v1\n", project.Get("node-a"));
        var after = await project.Cli("diagnose", "--env", user, "--nameserver", dns, "--format", "json");
        Assert.DoesNotContain(JsonNode.Parse(after.Stdout)!["findings"]!.AsArray(), f => f!["check"]!.GetValue<string>() == "containers");
    }

    /// <summary>deploy --dry-run names what changed: the compose file (with its hashes) and the node's compose.override.yaml; nothing else.</summary>
    private async Task DryRunSaysWhyANewReleaseWouldBeMade(string user, string oldSha)
    {
        var file = Path.Combine(project.App, "compose.yaml");
        var original = File.ReadAllText(file);
        File.WriteAllText(file, original + "# a comment changes the file\n");
        var newSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
        Assert.Equal(0, (await project.Cli("plan")).ExitCode);
        Ssh($"printf 'services:\\n  web:\\n    labels:\\n      test.hostenv: \"1\"\\n' | sudo tee /etc/hostenv/overrides/{user}/compose.override.yaml >/dev/null");
        try
        {
            var dry = await project.Cli("deploy", "--dry-run", "--node", "node-a", "--skip-gate");
            Assert.True(dry.ExitCode == 2, dry.Stdout + dry.Stderr);
            Assert.Contains($"compose file compose.yaml changed (sha256 {oldSha[..12]} -> {newSha[..12]})", dry.Stderr, StringComparison.Ordinal);
            Assert.Contains("the node's compose.override.yaml changed", dry.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("other source files changed", dry.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("secrets changed", dry.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Ssh($"sudo rm -f /etc/hostenv/overrides/{user}/compose.override.yaml");
            File.WriteAllText(file, original);
        }
    }

    public void Dispose() => project.Dispose();
}
