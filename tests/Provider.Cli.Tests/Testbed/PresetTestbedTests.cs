using System.Text.Json.Nodes;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// app.preset on real nodes (issue 11, item 6): a python app and a node app, each built only by its preset's commands on
/// an offline node (an empty requirements.txt; a package.json without dependencies and its lockfile), serve through
/// their vhost; the plan lists the runtime the node needs, bootstrap finds it installed and check reports it.
/// Project names carry the test process's id and UIDs come from <see cref="TestbedUids"/>, so runs never meet each other's users.
/// </summary>
[Collection(nameof(TestbedCollection))]
public sealed class PresetTestbedTests(TestbedEnvironment testbed)
{
    private const string Manifest = """
          main:
            type: production
            node: node-a
            virtualHosts:
              VHOST: { enableLetsEncrypt: false }
            app: { preset: PRESET, healthCheck: { path: /health, deadlineSeconds: 20 } }
        """;

    [Fact]
    public async Task Deploy_PythonPreset_VenvBuiltOfflineAndServesThroughVhost()
    {
        using var project = new TestbedProject(testbed, "py" + Environment.ProcessId % 10000, TestbedUids.Block(testbed)).Write(Manifest.Replace("PRESET", "python", StringComparison.Ordinal), greeting: "python preset");
        // The demo server is a python script; the preset runs app.py with the venv's interpreter.
        File.Move(Path.Combine(project.App, "server"), Path.Combine(project.App, "app.py"));
        File.WriteAllText(Path.Combine(project.App, "requirements.txt"), "# no dependencies: nothing to download\n");

        var plan = await project.Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var json = PlanJson(project);
        var env = json["environments"]!.AsObject().Single(e => e.Value!["projectName"]!.GetValue<string>() == "acme__" + project.Project).Value!;
        Assert.Equal(".venv/bin/python app.py", env["app"]!["run"]!.GetValue<string>());
        Assert.Contains("python3", json["nodes"]!["node-a"]!["runtimes"]!.AsArray().Select(r => r!.GetValue<string>()));

        var deploy = await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");

        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        Assert.StartsWith("python preset from " + env["userName"]!.GetValue<string>(), project.Get("node-a"), StringComparison.Ordinal);
        // Served by the venv's interpreter, which the build made in the release.
        var user = env["userName"]!.GetValue<string>();
        Assert.Contains(".venv/bin/python app.py", testbed.Ssh("node-a", $"ps -o args= -u {user}").Split('\n'));
        Assert.Equal("venv", testbed.Ssh("node-a", $"sudo test -x /home/{user}/current/.venv/bin/python && echo venv").Trim());
    }

    [Fact]
    public async Task Deploy_NodePreset_NpmCiOfflineAndNpmStartServesThroughVhost()
    {
        using var project = new TestbedProject(testbed, "nd" + Environment.ProcessId % 10000, TestbedUids.Block(testbed)).Write(Manifest.Replace("PRESET", "node", StringComparison.Ordinal));
        File.Delete(Path.Combine(project.App, "server"));
        File.WriteAllText(Path.Combine(project.App, "package.json"), """
            { "name": "presetapp", "version": "1.0.0", "private": true, "scripts": { "start": "node server.js" } }
            """);
        File.WriteAllText(Path.Combine(project.App, "package-lock.json"), """
            { "name": "presetapp", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
              "packages": { "": { "name": "presetapp", "version": "1.0.0" } } }
            """);
        File.WriteAllText(Path.Combine(project.App, "server.js"), """
            // Listens where hostenv says (HOSTENV_LISTEN=unix:/path); stops on SIGTERM after requests in flight.
            const fs = require("fs"), http = require("http");
            const listen = (process.env.HOSTENV_LISTEN || "unix:/tmp/presetapp.sock").replace(/^unix:/, "");
            try { fs.unlinkSync(listen); } catch (e) { }
            const server = http.createServer((req, res) => {
              res.writeHead(200, { "Content-Type": "text/plain" });
              res.end(req.url === "/health" ? "ok\n" : `node preset ${process.version} from ${process.env.HOSTENV_USER}\n`);
            });
            server.listen(listen, () => console.log(`serving on ${listen}`));
            process.on("SIGTERM", () => server.close(() => process.exit(0)));
            """);

        var plan = await project.Cli("plan");
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        var json = PlanJson(project);
        var env = json["environments"]!.AsObject().Single(e => e.Value!["projectName"]!.GetValue<string>() == "acme__" + project.Project).Value!;
        Assert.Equal("npm start", env["app"]!["run"]!.GetValue<string>());
        Assert.Contains("nodejs", json["nodes"]!["node-a"]!["runtimes"]!.AsArray().Select(r => r!.GetValue<string>()));

        var bootstrap = await project.Cli("node", "bootstrap", "node-a");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.Stdout + bootstrap.Stderr);
        Assert.Matches(@"runtimes.*nodejs", bootstrap.Stdout + bootstrap.Stderr);
        var check = await project.Cli("node", "check", "node-a", "--format", "json");
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Matches(@"""nodejs"": \{\s*""detail"": ""node v\d+[^""]*npm [0-9.]+"",\s*""ok"": true", check.Stdout);

        var deploy = await project.Cli("deploy", "--yes", "--node", "node-a", "--skip-gate");

        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr);
        Assert.StartsWith("node preset v", project.Get("node-a"), StringComparison.Ordinal);
        Assert.Contains("from " + env["userName"]!.GetValue<string>(), project.Get("node-a"), StringComparison.Ordinal);
    }

    private static JsonObject PlanJson(TestbedProject project) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(project.Repo.Path, "generated", "plan.json")))!.AsObject();
}
