using System.Text;
using System.Text.Json.Nodes;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Planning.Tests.Containers;

/// <summary>
/// provider.yaml's per-project `containers.allow` (shown in plan.json for reviewers) and `app.preset` (issue 11,
/// items 5 and 6): the plan holds the resolved build and run, and each node lists the runtimes its environments need.
/// </summary>
public class ContainerPlanTests
{
    private const string Provider = "hostenvHostname: hosting.test\nnodeFor: { default: node-a }\nprojects:\n  acme__demo: { path: demo";

    private static PlanResult Plan(string manifestEnvironments, string projectExtra = "", string? nodeB = null) =>
        FleetPlanner.Plan(new PlanInput(
            new SourceFile("provider.yaml", Provider + projectExtra + " }\n"),
            [
                new NodeInput("node-a", new SourceFile("nodes/node-a/node.yaml", "address: 10.0.0.1\n")),
                new NodeInput("node-b", new SourceFile("nodes/node-b/node.yaml", nodeB ?? "address: 10.0.0.2\n")),
            ],
            [new ProjectInput("acme__demo", new SourceFile("demo/.hostenv/hostenv.yaml", "organisation: acme\nproject: demo\nenvironments:\n" + manifestEnvironments), null)],
            null));

    private static JsonObject Json(PlanResult result)
    {
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        return JsonNode.Parse(result.PlanJson!)!.AsObject();
    }

    private static JsonObject Env(JsonObject plan) => plan["environments"]!.AsObject().Single().Value!.AsObject();

    private static string[] Strings(JsonNode? node) => [.. node!.AsArray().Select(n => n!.GetValue<string>())];

    [Fact]
    public void Plan_ContainersAllowed_ShownSortedOnEveryEnvironmentOfTheProject()
    {
        var plan = Json(Plan("  main: {}\n", ", containers: { allow: [privileged, bindMounts] }"));

        Assert.Equal(["bindMounts", "privileged"], Strings(Env(plan)["containers"]!["allow"]));
    }

    [Fact]
    public void Plan_NothingAllowed_NoContainersKey()
    {
        var plan = Json(Plan("  main: {}\n", ", containers: { allow: [] }"));

        Assert.False(Env(plan).ContainsKey("containers"));
    }

    [Fact]
    public void Plan_UnknownContainerFeature_PositionedErrorAtTheName()
    {
        var result = Plan("  main: {}\n", ", containers: { allow: [hostNetwork, hostnetwork] }");

        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal(ManifestCodes.InvalidValue, error.Code);
        Assert.Equal(new SourcePosition("provider.yaml", 4, 64), error.Position);
        Assert.Contains("hostNetwork", error.Message + error.Hint, StringComparison.Ordinal);
        Assert.Null(result.PlanJson);
    }

    [Fact]
    public void Plan_PythonPreset_ResolvedBuildAndRunAndPython3OnItsNode()
    {
        var plan = Json(Plan("  main:\n    app: { preset: python, healthCheck: { path: /health } }\n"));

        var app = Env(plan)["app"]!;
        Assert.Equal(["python3 -m venv .venv", ".venv/bin/pip install --disable-pip-version-check --no-input -r requirements.txt"], Strings(app["build"]));
        Assert.Equal(".venv/bin/python app.py", app["run"]!.GetValue<string>());
        Assert.Equal(["python3"], Strings(plan["nodes"]!["node-a"]!["runtimes"]));
        Assert.False(plan["nodes"]!["node-b"]!.AsObject().ContainsKey("runtimes"));
    }

    [Fact]
    public void Plan_NodePresetWithOwnRun_RunWinsBuildFromPreset()
    {
        var plan = Json(Plan("  main:\n    app: { preset: node, run: node server.js }\n"));

        Assert.Equal(["npm ci --omit=dev --no-audit --no-fund"], Strings(Env(plan)["app"]!["build"]));
        Assert.Equal("node server.js", Env(plan)["app"]!["run"]!.GetValue<string>());
        Assert.Equal(["nodejs"], Strings(plan["nodes"]!["node-a"]!["runtimes"]));
    }

    [Fact]
    public void Plan_PresetWithOwnBuild_BuildWinsEvenWhenEmpty()
    {
        var plan = Json(Plan("  main:\n    app: { preset: node, build: [] }\n  staging:\n    app: { preset: python, build: make }\n"));

        var envs = plan["environments"]!.AsObject().OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value!).ToList();
        Assert.Empty(Strings(envs.Single(e => e["environmentName"]!.GetValue<string>() == "main")["app"]!["build"]));
        Assert.Equal(["make"], Strings(envs.Single(e => e["environmentName"]!.GetValue<string>() == "staging")["app"]!["build"]));
        Assert.Equal(["nodejs", "python3"], Strings(plan["nodes"]!["node-a"]!["runtimes"]));
    }

    [Fact]
    public void Plan_PresetOnlyOnOtherNodeOrDisabled_NoRuntimesHere()
    {
        var plan = Json(Plan("  main:\n    node: node-b\n    app: { preset: node }\n  old:\n    enable: false\n    app: { preset: python }\n  web:\n    app: { run: ./server }\n"));

        Assert.False(plan["nodes"]!["node-a"]!.AsObject().ContainsKey("runtimes"));
        Assert.Equal(["nodejs"], Strings(plan["nodes"]!["node-b"]!["runtimes"]));
    }

    [Fact]
    public void Plan_NoPreset_PlanWithoutPresetKeys()
    {
        var text = Json(Plan("  main:\n    app: { run: ./server }\n")).ToJsonString();

        Assert.DoesNotContain("runtimes", text, StringComparison.Ordinal);
        Assert.DoesNotContain("preset", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PlanWithRuntimes_NodeListsThem()
    {
        var result = Plan("  main:\n    app: { preset: python }\n  dev:\n    node: node-b\n    app: { preset: node }\n");
        Json(result);

        var plan = PlanReader.Read(Encoding.UTF8.GetString(result.PlanJson!)).Plan!;

        Assert.Equal(["python3"], plan.Nodes["node-a"].Runtimes.ToArray());
        Assert.Equal(["nodejs"], plan.Nodes["node-b"].Runtimes.ToArray());
    }

    [Fact]
    public void Plan_SameInputsWithPresets_SameBytes()
    {
        const string envs = "  main:\n    app: { preset: python }\n  dev:\n    app: { preset: node }\n";

        Assert.Equal(Plan(envs, ", containers: { allow: [capAdd] }").PlanJson, Plan(envs, ", containers: { allow: [capAdd] }").PlanJson);
    }
}
