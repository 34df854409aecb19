using System.Text.Json.Nodes;
using Provider.Planning.Gate;
using Provider.Planning.Plan;
using Provider.Planning.Tests.Summary;

namespace Provider.Planning.Tests.Plan;

/// <summary>Every committed plan (generated/ and each golden case) reads back with every exposed field equal to the file.</summary>
public class PlanReaderRoundTripTests
{
    public static TheoryData<string> Sources() => new(Golden.PlanSources());

    internal static FleetPlan ReadOk(string text)
    {
        var result = PlanReader.Read(text);
        Assert.True(result.Plan is not null, string.Join("\n", result.Problems.Select(p => p.Format())));
        Assert.Empty(result.Problems);
        return result.Plan;
    }

    [Fact]
    public void PlanSources_Repository_IncludeGeneratedAndTheGoldenPlans()
    {
        var sources = Golden.PlanSources().ToList();

        Assert.Contains("generated", sources);
        Assert.Contains("01-canonical-minimal", sources);
        Assert.True(sources.Count >= 12, string.Join(", ", sources));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Read_CommittedPlan_ExposesEveryFieldAsWritten(string source)
    {
        var text = Golden.PlanText(source);

        var plan = ReadOk(text);

        PlanAssert.Matches(JsonNode.Parse(text)!.AsObject(), plan);
    }

    [Fact]
    public void Read_PlanWithOptionalFieldsSetAndFlagsDiffering_ExposesEachUnderItsOwnName()
    {
        // The committed plans leave many optional fields null and many flag pairs equal; here each gets its own
        // value, so a reader that swaps two fields or drops an optional one fails.
        var json = Golden.Plan();
        json["cloudflare"] = new JsonObject { ["apiTokenEnv"] = "CF_ENV", ["apiTokenFile"] = "secrets/cf", ["enable"] = true, ["zoneId"] = "zone-1" };
        json["deploy"] = new JsonObject { ["keepReleases"] = 7, ["parallel"] = 3 };
        json["nodeConnections"]!["node-a"]!["hostKey"] = null;
        json["nodeConnections"]!["node-a"]!["port"] = 2222;
        var env = json["environments"]!["demo-main-3a65ba5"]!.AsObject();
        env["previousNode"] = "node-old";
        env["source"] = new JsonObject { ["dir"] = "deploy", ["git"] = "https://git.example/demo.git", ["path"] = "vendor/demo", ["ref"] = "main", ["rev"] = new string('a', 40) };
        env["resources"] = new JsonObject { ["cpuQuota"] = null, ["memoryMax"] = "3G" };
        env["isDefaultEnvironment"] = false;
        env["enable"] = true;
        env["users"]!["alice"]!["email"] = null;
        var app = env["app"]!.AsObject();
        app["hooks"] = new JsonObject { ["postDeploy"] = "./post", ["preDeploy"] = "./pre" };
        app["build"] = new JsonArray("./one", "./two");
        app["buildTimeoutSeconds"] = 601;
        app["keepReleases"] = 4;
        app["static"] = "public";
        app["healthCheck"] = new JsonObject { ["deadlineSeconds"] = 31, ["expectStatus"] = "204", ["intervalSeconds"] = 2, ["path"] = "/ready", ["timeoutSeconds"] = 6 };
        env["deploymentVerification"]![0] = new JsonObject
        {
            ["bodyRegex"] = "ok", ["enforce"] = false, ["expectStatus"] = "301", ["followRedirects"] = true, ["host"] = "www.demo.hosting.test", ["path"] = "/v", ["scheme"] = "http",
        };
        var nodeA = json["nodes"]!["node-a"]!.AsObject();
        nodeA["magicRollback"] = false;
        nodeA["confirmTimeoutSeconds"] = 45;
        nodeA["services"]!["nginx"]!["virtualHosts"]!["demo.hosting.test"]!["forceSSL"] = false;

        var plan = ReadOk(json.ToJsonString());

        PlanAssert.Matches(json, plan);
        Assert.True(plan.Environments["demo-main-3a65ba5"].App is { ShipsRelease: true, IsStatic: false, Hooks.PreDeploy: "./pre" });
        Assert.True(plan.Environments["blog-preview-fbec7a5"].App is { ShipsRelease: true, IsStatic: true });
        Assert.Null(plan.Environments["shop-legacy-8c6a046"].App);
    }

    [Fact]
    public void Read_GatedPlan_VhostRecordAndNodeStampComeThrough()
    {
        var json = Golden.Plan();
        var record = new GateRecord("node-a", "demo.hosting.test", "node-a.hosting.test", GateStatus.Elsewhere, ["A 192.0.2.7"], "demo.hosting.test points at 192.0.2.7, not node-a");
        GateApplier.Apply(json, [record], []);
        GateStamp.Stamp(json, "node-a");

        var plan = ReadOk(Golden.Text(json));

        PlanAssert.Matches(json, plan);
        var vhost = plan.Nodes["node-a"].VirtualHosts["demo.hosting.test"];
        Assert.False(vhost.EnableAcme);
        Assert.False(vhost.ForceSsl);
        var gate = Assert.IsType<VhostGate>(vhost.DnsGate);
        Assert.Equal(GateStatus.Elsewhere, gate.Status);
        Assert.Equal("node-a.hosting.test", gate.Expected);
        Assert.Equal(new[] { "A 192.0.2.7" }, gate.Observed);
        Assert.Equal(record.Reason, gate.Reason);
        Assert.Equal(new PlannedTls(true, true, "max-age=63072000; includeSubDomains; preload"), gate.Planned);
        Assert.Equal(Describe(record), Describe(gate.ToRecord("node-a", "demo.hosting.test")));
        Assert.Equal(GateStamp.Fingerprint(json, "node-a"), plan.Nodes["node-a"].DnsGate?.VhostsHash);
        Assert.Null(plan.Nodes["node-b"].DnsGate);
        Assert.Null(plan.Nodes["node-a"].VirtualHosts["www.demo.hosting.test"].DnsGate);
    }

    [Fact]
    public void Read_GatedPlan_GateApplierReadsTheSameRecords()
    {
        var json = Golden.Plan();
        GateApplier.Apply(json, [new GateRecord("node-b", "blog.hosting.test", "node-b.hosting.test", GateStatus.Missing, [], "no A, AAAA or CNAME record")], ["node-b"]);

        var plan = ReadOk(Golden.Text(json));

        var (records, stamps) = GateApplier.Read(json);
        var fromModel = plan.Nodes.Values.SelectMany(n => n.VirtualHosts.Values.Select(v => v.DnsGate?.ToRecord(n.Name, v.Name))).OfType<GateRecord>().ToList();
        Assert.Single(fromModel);
        Assert.Equal(records.Select(Describe), fromModel.Select(Describe));
        Assert.Equal(stamps.Select(s => s.Node), plan.Nodes.Values.Where(n => n.DnsGate is not null).Select(n => n.Name));
    }

    private static string Describe(GateRecord r) => $"{r.Node} {r.Vhost} {r.ExpectedHost} {r.Status} [{string.Join(", ", r.Observed)}] {r.Reason}";
}
