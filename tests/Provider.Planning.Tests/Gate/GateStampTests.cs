using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Planning.Gate;
using Provider.Planning.Inputs;
using Provider.Planning.Planner;

namespace Provider.Planning.Tests.Gate;

/// <summary>
/// The gate stamp across fleet shapes: plan → dns-gate (Apply with every node it looked at) → the check deploy makes,
/// and what survives a re-plan. Plans come from the real planner.
/// </summary>
public class GateStampTests
{
    private const string Provider = "hostenvHostname: hosting.test\nnodeFor: { default: n1 }\nprojects:\n  acme__demo: { path: demo }\n";

    private static string Manifest(string node, params string[] vhosts) =>
        $"organisation: acme\nproject: demo\nenvironments:\n  main:\n    type: production\n    node: {node}\n    app: {{ run: ./server }}\n    virtualHosts:\n"
        + string.Concat(vhosts.Select(v => $"      {v}: {{}}\n"));

    private static JsonObject Plan(string provider, string? manifest, string[] nodes, JsonObject? previous = null)
    {
        var state = previous?["_state"]?.ToJsonString();
        previous = previous?.DeepClone().AsObject();
        previous?.Remove("_state");
        var input = new PlanInput(
            new SourceFile("provider.yaml", provider),
            [.. nodes.Select((n, i) => new NodeInput(n, new SourceFile($"nodes/{n}/node.yaml", $"address: 10.77.0.1{i + 1}\naddresses: [10.77.0.1{i + 1}]\n")))],
            manifest is null ? [] : [new ProjectInput("acme__demo", new SourceFile("demo/.hostenv/hostenv.yaml", manifest), null)],
            state is null ? null : new SourceFile("generated/state.json", state),
            previous is null ? null : new SourceFile("generated/plan.json", previous.ToJsonString()));
        var result = FleetPlanner.Plan(input);
        Assert.True(result.PlanJson is not null, string.Join("\n", result.Diagnostics.Select(d => d.Message)));
        var plan = (JsonObject)JsonNode.Parse(Encoding.UTF8.GetString(result.PlanJson))!;
        plan["_state"] = JsonNode.Parse(Encoding.UTF8.GetString(result.StateJson!)); // carried to the next Plan call as the previous state
        return plan;
    }

    /// <summary>What `dns-gate [--node N]` records: verdicts (none needed here) and a stamp on every node it looked at.</summary>
    private static JsonObject Gate(JsonObject plan, string? onlyNode = null)
    {
        GateApplier.Apply(plan, [], GateStamp.NodesOf(plan, onlyNode));
        return plan;
    }

    private static ImmutableArray<string> AllNodes(JsonObject plan) => GateStamp.NodesOf(plan, null);

    private static string[] Stale(JsonObject plan, IEnumerable<string> nodes) => [.. GateStamp.Stale(plan, nodes)];

    [Fact]
    public void Stale_NoNodeInTheFleet_NothingToGate()
    {
        var plan = Gate(Plan("hostenvHostname: hosting.test\n", null, []));

        Assert.Empty(AllNodes(plan));
        Assert.Empty(Stale(plan, AllNodes(plan)));
    }

    [Fact]
    public void Stale_OneNodeWithoutVhosts_IsGatedByTheRunThatLookedAtIt()
    {
        var plan = Plan(Provider, Manifest("n1", "demo.hosting.test"), ["n1", "n2"]);
        Assert.Equal(["n1", "n2"], Stale(plan, AllNodes(plan)));
        Assert.Empty(GateTargets.From(plan, "n2")); // n2 serves nothing

        Gate(plan);

        Assert.Empty(Stale(plan, AllNodes(plan)));
    }

    [Fact]
    public void Stale_AllNodesEmpty_AllGated()
    {
        var plan = Gate(Plan("hostenvHostname: hosting.test\nnodeFor: { default: n1 }\n", null, ["n1", "n2"]));

        Assert.Empty(Stale(plan, AllNodes(plan)));
    }

    [Fact]
    public void Stale_GateOfOneNode_StampsOnlyThatNode()
    {
        var plan = Gate(Plan(Provider, Manifest("n1", "demo.hosting.test"), ["n1", "n2"]), onlyNode: "n2");

        Assert.Empty(Stale(plan, ["n2"]));
        Assert.Equal(["n1"], Stale(plan, AllNodes(plan)));
    }

    [Fact]
    public void Stale_EnvironmentMovesNode_BothNodesNeedTheGateAgain_AndOneRunFixesIt()
    {
        var before = Gate(Plan(Provider, Manifest("n1", "demo.hosting.test"), ["n1", "n2"]));

        var moved = Plan(Provider, Manifest("n2", "demo.hosting.test"), ["n1", "n2"], previous: before);

        Assert.Equal("n1", moved["environments"]!.AsObject().Single().Value!["previousNode"]!.GetValue<string>());
        Assert.Equal(["n1", "n2"], Stale(moved, AllNodes(moved)));
        Assert.Empty(Stale(Gate(moved), AllNodes(moved)));
    }

    [Fact]
    public void Stale_ReplanThatChangesNoVhost_KeepsEveryNodeGated()
    {
        var gated = Gate(Plan(Provider, Manifest("n1", "demo.hosting.test"), ["n1", "n2"]));

        var replanned = Plan(Provider, Manifest("n1", "demo.hosting.test").Replace("./server", "./server --port 8080", StringComparison.Ordinal), ["n1", "n2"], previous: gated);

        Assert.NotEqual(gated["inputsHash"]!.GetValue<string>(), replanned["inputsHash"]!.GetValue<string>());
        Assert.Empty(Stale(replanned, AllNodes(replanned)));
    }

    [Fact]
    public void Stale_VhostAddedOrNodeAddressChanged_OnlyThatNodeIsStale()
    {
        var gated = Gate(Plan(Provider, Manifest("n1", "demo.hosting.test"), ["n1", "n2"]));

        var added = Plan(Provider, Manifest("n1", "demo.hosting.test", "www.demo.hosting.test"), ["n1", "n2"], previous: gated);
        Assert.Equal(["n1"], Stale(added, AllNodes(added)));

        var readdressed = (JsonObject)gated.DeepClone();
        readdressed["nodes"]!["n2"]!["addresses"] = new JsonArray("10.77.0.99");
        Assert.Equal(["n2"], Stale(readdressed, AllNodes(readdressed)));
    }

    [Fact]
    public void Stale_NodeAddedToAGatedFleet_IsStaleUntilGated()
    {
        var gated = Gate(Plan(Provider, Manifest("n1", "demo.hosting.test"), ["n1"]));

        var grown = Plan(Provider, Manifest("n1", "demo.hosting.test"), ["n1", "n2"], previous: gated);

        Assert.Equal(["n2"], Stale(grown, AllNodes(grown)));
        Assert.Empty(Stale(Gate(grown, "n2"), AllNodes(grown)));
    }

    [Fact]
    public void IsCurrent_StampFromAnOlderFormat_CountsAsNotGated()
    {
        var plan = Plan(Provider, Manifest("n1", "demo.hosting.test"), ["n1"]);
        plan["nodes"]!["n1"]!["dnsGate"] = new JsonObject { ["inputsHash"] = plan["inputsHash"]!.GetValue<string>() };

        Assert.False(GateStamp.IsCurrent(plan, "n1"));
    }
}
