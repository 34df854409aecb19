using System.Text;
using System.Text.Json.Nodes;
using Provider.Planning.Output;
using Provider.Planning.Summary;

namespace Provider.Planning.Tests.Summary;

public class PlanSummaryTests
{
    private const string Demo = "demo-main-3a65ba5";
    private const string ShopNew = "shop-new-e58d306";

    private static PlanChanges Compare(JsonObject oldPlan, JsonObject oldState, JsonObject newPlan, JsonObject newState) =>
        PlanSummary.Compare(Golden.Text(oldPlan), Golden.Text(oldState), Golden.Text(newPlan), Golden.Text(newState));

    private static string[] Lines(PlanChanges changes) => changes.ToText().Split('\n');

    [Fact]
    public void Compare_NothingCommitted_EverythingAdded()
    {
        var changes = PlanSummary.Compare(null, "", Golden.Text(Golden.Plan("01-canonical-minimal")), Golden.Text(Golden.State("01-canonical-minimal")));

        Assert.Equal(
            """
            node-a:
              + node node-a (10.77.0.11)
              + env demo-main-3a65ba5 (node-a, uid 1002)
              + vhost demo-main-3a65ba5.hosting.test (demo-main-3a65ba5)
              + vhost demo.hosting.test (demo-main-3a65ba5)
              + user demo-main-3a65ba5 (uid 1002)
              + slice hostenv-demo-main-3a65ba5.slice
            plan and state:
              + state: _uidHighWaterMark (none) → 1002

            7 to add, 0 to change, 0 to remove

            """.ReplaceLineEndings("\n"),
            changes.ToText());
        Assert.Empty(changes.Notes);
    }

    [Fact]
    public void Compare_IdenticalFiles_IsEmptyAndSaysNoChanges()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());

        var changes = Compare(plan, state, plan, state);

        Assert.True(changes.IsEmpty);
        Assert.Equal("No changes.\n", changes.ToText());
        Assert.Equal(new ChangeCounts(0, 0, 0), changes.Counts);
    }

    [Fact]
    public void Compare_OnlyInputsHashDiffers_IsEmpty()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var edited = Golden.Plan();
        edited["inputsHash"] = "sha256:0000";

        Assert.True(Compare(plan, state, edited, state).IsEmpty);
    }

    [Fact]
    public void Compare_EnvironmentAdded_ListsEnvAndWhatItBringsUnderItsNode()
    {
        var (oldPlan, oldState) = (Golden.Plan(), Golden.State());
        oldPlan["environments"]!.AsObject().Remove(ShopNew);
        Golden.RemoveFromNodes(oldPlan, ShopNew);
        oldState.Remove(ShopNew);

        var changes = Compare(oldPlan, oldState, Golden.Plan(), Golden.State());

        var node = Assert.Single(changes.Nodes);
        Assert.Equal("node-b", node.Node);
        Assert.Equal(
            [
                "+ env shop-new-e58d306 (node-b, uid 1004)",
                "+ vhost checkout.dev.hosting.test (shop-new-e58d306)",
                "+ vhost shop-new-e58d306.hosting.test (shop-new-e58d306)",
                "+ user shop-new-e58d306 (uid 1004)",
                "+ slice hostenv-shop-new-e58d306.slice",
            ],
            node.Changes.Select(PlanChangesText.Line));
        // The reservation comes with the environment, so it is not repeated as a state change.
        Assert.Empty(changes.Global);
        Assert.Equal(new ChangeCounts(5, 0, 0), changes.Counts);
    }

    [Fact]
    public void Compare_EnvironmentGoneButReserved_SaysReservationKept()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var newPlan = Golden.Plan();
        newPlan["environments"]!.AsObject().Remove(ShopNew);
        Golden.RemoveFromNodes(newPlan, ShopNew);

        var changes = Compare(plan, state, newPlan, state);

        Assert.Contains("  - env shop-new-e58d306 (node-b, uid 1004, gone, reservation kept in state)", Lines(changes));
        Assert.Contains("  - user shop-new-e58d306 (uid 1004)", Lines(changes));
        Assert.Empty(changes.Global);
        Assert.Equal(new ChangeCounts(0, 0, 5), changes.Counts);
    }

    [Fact]
    public void Compare_EnvironmentRemovedAndPruned_SaysPrunedOnce()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var (newPlan, newState) = (Golden.Plan(), Golden.State());
        newPlan["environments"]!.AsObject().Remove(ShopNew);
        Golden.RemoveFromNodes(newPlan, ShopNew);
        newState.Remove(ShopNew);

        var changes = Compare(plan, state, newPlan, newState);

        Assert.Contains("  - env shop-new-e58d306 (node-b, uid 1004, reservation pruned from state too)", Lines(changes));
        Assert.DoesNotContain(changes.Global, c => c.Subject == Subjects.Reservation);
    }

    [Fact]
    public void Compare_ReservationPrunedOfGoneEnvironment_IsStateOnlyRemoval()
    {
        var (plan, state) = (Golden.Plan("19-gone-environment-kept"), Golden.State("19-gone-environment-kept"));
        var pruned = Golden.State("19-gone-environment-kept");
        pruned.Remove("demo-removed-0000000");

        var changes = Compare(plan, state, plan, pruned);

        Assert.Empty(changes.Nodes);
        Assert.Equal(
            """
            plan and state:
              - reservation demo-removed-0000000 (node-a, uid 1003)

            0 to add, 0 to change, 1 to remove

            """.ReplaceLineEndings("\n"),
            changes.ToText());
    }

    [Fact]
    public void Compare_EnvironmentMovedNode_ListedUnderNewNodeAndMentionedUnderOld()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var (newPlan, newState) = (Golden.Plan(), Golden.State());
        Golden.Move(newPlan, newState, Demo, "node-a", "node-b");

        var changes = Compare(plan, state, newPlan, newState);

        Assert.Equal(
            """
            node-a:
              ~ env demo-main-3a65ba5 (moved to node-b)
              - vhost demo-main-3a65ba5.hosting.test (demo-main-3a65ba5)
              - vhost demo.hosting.test (demo-main-3a65ba5)
              - vhost www.demo.hosting.test (demo-main-3a65ba5)
              - user demo-main-3a65ba5 (uid 1002)
              - slice hostenv-demo-main-3a65ba5.slice
            node-b:
              ~ env demo-main-3a65ba5: node node-a → node-b
              + vhost demo-main-3a65ba5.hosting.test (demo-main-3a65ba5)
              + vhost demo.hosting.test (demo-main-3a65ba5)
              + vhost www.demo.hosting.test (demo-main-3a65ba5)
              + user demo-main-3a65ba5 (uid 1002)
              + slice hostenv-demo-main-3a65ba5.slice

            5 to add, 1 to change, 5 to remove

            """.ReplaceLineEndings("\n"),
            changes.ToText());
        Assert.Equal(ChangeKind.MovedAway, changes.Nodes[0].Changes[0].Kind);
    }

    [Fact]
    public void Compare_EnvironmentDisabled_ShowsEnableFlipAndWhatLeavesTheNode()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var newPlan = Golden.Plan();
        newPlan["environments"]![ShopNew]!["enable"] = false;
        Golden.RemoveFromNodes(newPlan, ShopNew);

        var changes = Compare(plan, state, newPlan, state);

        var lines = Lines(changes);
        Assert.Contains("  ~ env shop-new-e58d306: enable true → false", lines);
        Assert.Contains("  - vhost checkout.dev.hosting.test (shop-new-e58d306)", lines);
        Assert.Contains("  - slice hostenv-shop-new-e58d306.slice", lines);
        Assert.Equal(new ChangeCounts(0, 1, 4), changes.Counts);
    }

    [Fact]
    public void Compare_AppAndTypeChanged_NamesAppFieldsAndShowsType()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var newPlan = Golden.Plan();
        var env = newPlan["environments"]![Demo]!;
        env["app"]!["run"] = "./server --fast";
        env["app"]!["healthCheck"]!["path"] = "/ready";
        env["type"] = "testing";

        var changes = Compare(plan, state, newPlan, state);

        Assert.Contains("  ~ env demo-main-3a65ba5: app changed (healthCheck, run), type production → testing", Lines(changes));
    }

    [Fact]
    public void Compare_SandboxRelaxed_ShowsWhatItLifts_BesideTheNamedAppFields()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var newPlan = Golden.Plan();
        var env = newPlan["environments"]![Demo]!;
        env["app"]!["run"] = "./server --fast";
        env["app"]!["sandbox"]!["allow"] = new JsonArray("createNamespaces", "writeRelease");

        var changes = Compare(plan, state, newPlan, state);

        Assert.Contains("  ~ env demo-main-3a65ba5: app changed (run), app.sandbox.allow [] → [createNamespaces, writeRelease]", Lines(changes));
    }

    [Fact]
    public void Compare_EnvironmentAddedWithARelaxedSandbox_SaysSoOnItsLine()
    {
        var (oldPlan, oldState) = (Golden.Plan(), Golden.State());
        oldPlan["environments"]!.AsObject().Remove(Demo);
        Golden.RemoveFromNodes(oldPlan, Demo);
        oldState.Remove(Demo);
        var newPlan = Golden.Plan();
        newPlan["environments"]![Demo]!["app"]!["sandbox"]!["allow"] = new JsonArray("anySystemCall");

        var changes = Compare(oldPlan, oldState, newPlan, Golden.State());

        Assert.Contains("  + env demo-main-3a65ba5 (node-a, uid 1002, sandbox allows anySystemCall)", Lines(changes));
    }

    [Fact]
    public void Compare_DnsGateTurnsOffTls_ShowsBothFlagsAndTheDroppedHeader()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var newPlan = Golden.Plan();
        var nodeA = newPlan["nodes"]!["node-a"]!.AsObject();
        var vhost = Golden.Walk(nodeA, "services.nginx.virtualHosts")["demo.hosting.test"]!.AsObject();
        vhost["enableACME"] = false;
        vhost["forceSSL"] = false;
        vhost["securityHeaders"]!.AsObject().Remove("Strict-Transport-Security");
        Golden.Walk(nodeA, "security.acme.certs").Remove("demo.hosting.test");

        var changes = Compare(plan, state, newPlan, state);

        Assert.Equal(
            """
            node-a:
              ~ vhost demo.hosting.test: enableACME true → false, forceSSL true → false, securityHeaders.Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" → (none)

            0 to add, 1 to change, 0 to remove

            """.ReplaceLineEndings("\n"),
            changes.ToText());
    }

    [Fact]
    public void Compare_HeaderValueChanged_NamesTheHeader()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var newPlan = Golden.Plan();
        Golden.Walk(newPlan, "nodes.node-b.services.nginx.virtualHosts")["blog.hosting.test"]!["securityHeaders"]!["X-Frame-Options"] = "DENY";

        var change = Assert.Single(Assert.Single(Compare(plan, state, newPlan, state).Nodes).Changes);

        Assert.Equal("~ vhost blog.hosting.test: securityHeaders.X-Frame-Options SAMEORIGIN → DENY", PlanChangesText.Line(change));
        Assert.Equal(new FieldChange("securityHeaders.X-Frame-Options", "SAMEORIGIN", "DENY"), Assert.Single(change.Fields));
    }

    [Fact]
    public void Compare_SliceLimitsAndNodeSettingChanged_ShowsValues()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var newPlan = Golden.Plan();
        var nodeB = newPlan["nodes"]!["node-b"]!.AsObject();
        Golden.Walk(nodeB, "systemd.slices")["hostenv-blog-preview-fbec7a5.slice"]!["memoryMax"] = "2G";
        nodeB["magicRollback"] = false;
        newPlan["nodeConnections"]!["node-b"]!["port"] = 2222;

        var node = Assert.Single(Compare(plan, state, newPlan, state).Nodes);

        Assert.Equal(
            [
                "~ node node-b: magicRollback true → false, connection.port 22 → 2222",
                "~ slice hostenv-blog-preview-fbec7a5.slice: memoryMax 1G → 2G",
            ],
            node.Changes.Select(PlanChangesText.Line));
    }

    [Fact]
    public void Compare_UidHighWaterMoved_IsAStateChange()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var newState = Golden.State();
        newState["_uidHighWaterMark"] = 1009;

        var changes = Compare(plan, state, plan, newState);

        var change = Assert.Single(changes.Global);
        Assert.Equal("~ state: _uidHighWaterMark 1008 → 1009", PlanChangesText.Line(change));
        Assert.Equal(new ChangeCounts(0, 1, 0), changes.Counts);
    }

    [Theory]
    [InlineData("{\"environments\": ")]
    [InlineData("[1, 2]")]
    [InlineData("{\"a\": 1, \"a\": 2}")]
    public void Compare_UnreadableCommittedPlan_ComparesAsEmptyWithNote(string broken)
    {
        var (plan, state) = (Golden.Plan("01-canonical-minimal"), Golden.State("01-canonical-minimal"));

        var changes = PlanSummary.Compare(broken, Golden.Text(state), Golden.Text(plan), Golden.Text(state));

        var note = Assert.Single(changes.Notes);
        Assert.StartsWith("the committed plan.json is not", note, StringComparison.Ordinal);
        Assert.StartsWith("note: " + note + "\nnode-a:\n  + node node-a", changes.ToText(), StringComparison.Ordinal);
        Assert.Equal(new ChangeCounts(6, 0, 0), changes.Counts);
    }

    [Fact]
    public void Compare_UnreadableNewPlan_Throws()
    {
        var state = Golden.Text(Golden.State());
        Assert.Throws<ArgumentException>(() => PlanSummary.Compare(null, null, "{", state));
    }

    [Fact]
    public void ToJson_IsCanonicalAndRepeatable()
    {
        var (plan, state) = (Golden.Plan(), Golden.State());
        var (newPlan, newState) = (Golden.Plan(), Golden.State());
        Golden.Move(newPlan, newState, Demo, "node-a", "node-b");

        var first = Compare(plan, state, newPlan, newState).ToJson();
        var second = Compare(plan, state, newPlan, newState).ToJson();

        Assert.Equal(first, second);
        var text = Encoding.UTF8.GetString(first);
        Assert.Equal(text, CanonicalJson.SerializeToString(JsonNode.Parse(text)));
        var json = JsonNode.Parse(text)!;
        Assert.Equal("movedAway", (string?)json["nodes"]!["node-a"]![0]!["kind"]);
        Assert.Equal("node-a", (string?)json["nodes"]!["node-b"]![0]!["fields"]![0]!["old"]);
        Assert.Equal(5, (int?)json["counts"]!["add"]);
    }
}
