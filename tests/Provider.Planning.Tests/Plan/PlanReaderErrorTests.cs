using System.Text.Json.Nodes;
using Provider.Planning.Diagnostics;
using Provider.Planning.Plan;
using Provider.Planning.Planner;
using Provider.Planning.Tests.Summary;

namespace Provider.Planning.Tests.Plan;

/// <summary>A plan.json the commands cannot use gives one error naming the file, the first bad field and the fix.</summary>
public class PlanReaderErrorTests
{
    private const string Fix = "run `hostenv-provider plan`";

    private static Diagnostic ReadFails(string text)
    {
        var result = PlanReader.Read(text);
        Assert.Null(result.Plan);
        var problem = Assert.Single(result.Problems);
        Assert.True(problem.IsError);
        Assert.StartsWith("generated/plan.json", problem.Format(), StringComparison.Ordinal);
        Assert.Contains(Fix, problem.Hint, StringComparison.Ordinal);
        return problem;
    }

    private static Diagnostic ReadFails(Action<JsonObject> edit)
    {
        var json = Golden.Plan();
        edit(json);
        return ReadFails(json.ToJsonString());
    }

    [Fact]
    public void Read_PlanFormat999_OneErrorNamingTheFormatsAndTheFix()
    {
        var problem = ReadFails(json => json["planFormat"] = 999);

        Assert.Equal(PlanCodes.PlanFileFormat, problem.Code);
        Assert.Equal("$.planFormat", problem.Field);
        Assert.Equal(
            "generated/plan.json: error HP2012 [$.planFormat]: planFormat 999 is newer than this hostenv-provider reads (planFormat 1)\n"
            + "  hint: the file was written by a newer hostenv-provider: upgrade, or run `hostenv-provider plan` with this version to write it again",
            problem.Format());
    }

    [Fact]
    public void Read_OlderPlanFormat_SaysOlderAndToReplan()
    {
        var problem = ReadFails(json => json["planFormat"] = PlanLimits.PlanFormat - 1);

        Assert.Equal(PlanCodes.PlanFileFormat, problem.Code);
        Assert.Contains("is older than", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OtherFormatWithAnotherShape_ReportsTheFormatNotTheShape()
    {
        // A plan from another version is judged by its version first: its fields may legitimately differ.
        var problem = ReadFails("""{"planFormat": 2, "everything": "else differs"}""");

        Assert.Equal(PlanCodes.PlanFileFormat, problem.Code);
    }

    [Fact]
    public void Read_NoPlanFormat_MissingField()
    {
        var problem = ReadFails(json => json.Remove("planFormat"));

        Assert.Equal(("$.planFormat", "missing; expected an integer"), (problem.Field, problem.Message));
    }

    [Fact]
    public void Read_NoEnvironments_OneErrorAtThatPath()
    {
        var problem = ReadFails(json => json.Remove("environments"));

        Assert.Equal(PlanCodes.PlanFileField, problem.Code);
        Assert.Equal(
            "generated/plan.json: error HP2013 [$.environments]: missing; expected an object\n"
            + "  hint: the file was edited by hand or written by another version; run `hostenv-provider plan` to write it again",
            problem.Format());
    }

    [Theory]
    [InlineData("[1, 2]", "expected an object, found an array")]
    [InlineData("\"plan\"", "expected an object, found the string \"plan\"")]
    [InlineData("null", "expected an object, found null")]
    public void Read_RootNotAnObject_ErrorAtTheRoot(string text, string message)
    {
        var problem = ReadFails(text);

        Assert.Equal(("$", message), (problem.Field, problem.Message));
    }

    [Fact]
    public void Read_UidIsAString_ErrorNamesTheEnvironmentsUid()
    {
        var problem = ReadFails(json => json["environments"]!["demo-main-3a65ba5"]!["uid"] = "1002");

        Assert.Equal(PlanCodes.PlanFileField, problem.Code);
        Assert.Equal("$.environments.demo-main-3a65ba5.uid", problem.Field);
        Assert.Equal("expected an integer, found the string \"1002\"", problem.Message);
    }

    [Fact]
    public void Read_TwoBadFields_OnlyTheFirstIsReported()
    {
        var problem = ReadFails(json =>
        {
            json["environments"]!["blog-preview-fbec7a5"]!["uid"] = 1.5;
            json["nodes"]!["node-b"]!.AsObject().Remove("canonicalName");
        });

        Assert.Equal(("$.environments.blog-preview-fbec7a5.uid", "expected an integer, found the number 1.5"), (problem.Field, problem.Message));
    }

    [Fact]
    public void Read_RequiredStringIsNull_ErrorSaysNull()
    {
        var problem = ReadFails(json => json["environments"]!["demo-main-3a65ba5"]!["app"]!["healthCheck"]!["path"] = null);

        Assert.Equal(("$.environments.demo-main-3a65ba5.app.healthCheck.path", "expected a string, found null"), (problem.Field, problem.Message));
    }

    [Fact]
    public void Read_BadFieldUnderADottedVhostName_PathQuotesTheName()
    {
        var problem = ReadFails(json => json["nodes"]!["node-a"]!["services"]!["nginx"]!["virtualHosts"]!["demo.hosting.test"]!["enableACME"] = "yes");

        Assert.Equal("$.nodes.node-a.services.nginx.virtualHosts['demo.hosting.test'].enableACME", problem.Field);
        Assert.Equal("expected true or false, found the string \"yes\"", problem.Message);
    }

    [Fact]
    public void Read_UnknownGateStatus_ErrorNamesTheValues()
    {
        var problem = ReadFails(json => json["nodes"]!["node-a"]!["services"]!["nginx"]!["virtualHosts"]!["demo.hosting.test"]!["dnsGate"] = new JsonObject
        {
            ["expected"] = "node-a.hosting.test", ["observed"] = new JsonArray(), ["reason"] = "r", ["status"] = "maybe",
            ["planned"] = new JsonObject { ["enableACME"] = true, ["forceSSL"] = true, ["hsts"] = null },
        });

        Assert.Equal("$.nodes.node-a.services.nginx.virtualHosts['demo.hosting.test'].dnsGate.status", problem.Field);
        Assert.Equal("is \"maybe\"; expected ok, elsewhere, missing or unknown", problem.Message);
    }

    [Fact]
    public void Read_NodeListsAnEnvironmentThePlanLacks_ErrorAtTheListEntry()
    {
        var problem = ReadFails(json => json["nodes"]!["node-a"]!["environments"]!.AsArray().Add("ghost-main-0000000"));

        Assert.Equal("$.nodes.node-a.environments[2]", problem.Field);
        Assert.Contains("\"ghost-main-0000000\"", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EnvironmentStoredUnderAnotherName_ErrorAtUserName()
    {
        var problem = ReadFails(json => json["environments"]!["demo-main-3a65ba5"]!["userName"] = "demo-main-0000000");

        Assert.Equal("$.environments.demo-main-3a65ba5.userName", problem.Field);
    }

    [Theory]
    [InlineData("", 1, 1)]
    [InlineData("{\n  \"planFormat\": 1,\n", 3, 1)]
    public void Read_NotValidJson_MalformedWithItsPosition(string text, int line, int column)
    {
        var problem = ReadFails(text);

        Assert.Equal(PlanCodes.PlanFileMalformed, problem.Code);
        Assert.Equal(new SourcePosition("generated/plan.json", line, column), problem.Position);
        Assert.StartsWith("not valid JSON: ", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KeyRepeated_MalformedNamingTheRepeatedKeysPath()
    {
        var text = Golden.PlanText().Replace("\"uid\": 1002,", "\"uid\": 1002,\n      \"uid\": 1003,", StringComparison.Ordinal);

        var problem = ReadFails(text);

        Assert.Equal(PlanCodes.PlanFileMalformed, problem.Code);
        Assert.Equal("$.environments.demo-main-3a65ba5.uid", problem.Field);
        Assert.Equal("not valid JSON: the key appears twice in one object", problem.Message);
    }
}
