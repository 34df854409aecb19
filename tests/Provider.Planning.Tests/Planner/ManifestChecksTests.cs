using System.Text.Json.Nodes;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Planner;

namespace Provider.Planning.Tests.Planner;

/// <summary>
/// The planner's own checks of names and values a schema pattern cannot state (addresses, location keys,
/// aliases, user ids, regexes, Report-To values): the legal forms plan, the others fail where they are written.
/// </summary>
public class ManifestChecksTests
{
    private const string ManifestFile = "demo/.hostenv/hostenv.yaml";
    private const string Head = "organisation: acme\nproject: demo\nenvironments:\n  main:\n    type: production\n";

    private static PlanResult Plan(string manifest, string node = "address: 10.0.0.1\naddresses: [203.0.113.10]\n") =>
        FleetPlanner.Plan(new PlanInput(
            new SourceFile("provider.yaml", "hostenvHostname: hosting.test\nnodeFor: { default: node-a }\nprojects:\n  acme__demo: { path: demo }\n"),
            [new NodeInput("node-a", new SourceFile("nodes/node-a/node.yaml", node))],
            [new ProjectInput("acme__demo", new SourceFile(ManifestFile, manifest), null)],
            null));

    private static JsonObject PlannedVhost(PlanResult result, string name) =>
        JsonNode.Parse(result.PlanJson!)!["nodes"]!["node-a"]!["services"]!["nginx"]!["virtualHosts"]![name]!.AsObject();

    private static void AssertPlans(PlanResult result) =>
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Select(d => d.Format())));

    [Theory]
    [InlineData("address: 2001:db8::11\naddresses: [203.0.113.10, \"2001:db8::10\"]\n")]
    [InlineData("address: \"[2001:db8::11]\"\n")]
    [InlineData("address: node-a.example.com\n")]
    [InlineData("address: node-a\n")]
    public void Plan_NodeAddressHostNameOrIp_Plans(string node) => AssertPlans(Plan(Head, node));

    [Fact]
    public void Plan_RegexExactAndNamedLocations_PlanWithKeysAsWritten()
    {
        var result = Plan("""
            organisation: acme
            project: demo
            environments:
              main:
                virtualHosts:
                  shop.example.com:
                    locations:
                      "~ \\.php$": { return: "403" }
                      "~* \\.(png|jpg)$": { root: /srv/images }
                      = /favicon.ico: { return: "204" }
                      ^~ /assets/: { alias: /srv/assets/ }
                      "@app": { proxyPass: "http://127.0.0.1:8080" }
                      /: { tryFiles: "$uri @app" }
            """);
        AssertPlans(result);
        var keys = PlannedVhost(result, "shop.example.com")["locations"]!.AsObject().Select(l => l.Key);
        Assert.Equal(["/", "= /favicon.ico", "@app", "^~ /assets/", "~ \\.php$", "~* \\.(png|jpg)$"], keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Plan_LegalNamesAndValues_Plan()
    {
        var result = Plan("""
            organisation: acme
            project: demo
            allEnvironments:
              users:
                alice.smith: { email: alice@example.com }
            environments:
              feature/new-checkout:
                type: development
                users:
                  bob_2: {}
                virtualHosts:
                  shop.example.com:
                    globalRedirect: "www.example.com:8443"
                    serverAliases: [zz.shop.example.com, "*.shop.example.com", Www.Shop.Example.Com.]
                    security:
                      reportTo: '{"group":"csp","max_age":10886400,"endpoints":[{"url":"https://example.com/r"}]}, {"group":"b","max_age":1}'
                      cspReportTo: csp
                  "*.wild.example.com": { enableLetsEncrypt: false }
                deploymentVerification:
                  - { path: /, bodyRegex: "^ok" }
                  - { path: /version, bodyRegex: '"version": ?"[0-9.]+"' }
            """);
        AssertPlans(result);
        Assert.Equal(["*.shop.example.com", "www.shop.example.com", "zz.shop.example.com"],
            PlannedVhost(result, "shop.example.com")["serverAliases"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("www.example.com:8443", PlannedVhost(result, "shop.example.com")["globalRedirect"]!.GetValue<string>());
    }

    public static TheoryData<string, string, string, string> Mistakes() => new()
    {
        { Head + "    virtualHosts:\n      a.example.com:\n        serverAliases: [zz.example.com, \"bad alias\"]\n", ManifestCodes.InvalidName, ManifestFile, "8:41" },
        { Head + "    virtualHosts:\n      a.example.com:\n        serverAliases: [\"https://b.example.com\"]\n", ManifestCodes.InvalidName, ManifestFile, "8:25" },
        { Head + "    virtualHosts:\n      a.example.com:\n        locations:\n          static/: { root: /srv }\n", ManifestCodes.InvalidName, ManifestFile, "9:11" },
        { Head + "    virtualHosts:\n      a.example.com:\n        locations:\n          \"~\": { root: /srv }\n", ManifestCodes.InvalidName, ManifestFile, "9:11" },
        { Head + "    virtualHosts:\n      \"*.example.com\": {}\n", ManifestCodes.WildcardWithLetsEncrypt, ManifestFile, "7:7" },
        { Head + "    virtualHosts:\n      a.example.com:\n        security: { reportTo: \"https://example.com/reports\" }\n", ManifestCodes.InvalidValue, ManifestFile, "8:31" },
        { Head + "    deploymentVerification:\n      - { path: /, bodyRegex: \"(unclosed\" }\n", ManifestCodes.InvalidRegex, ManifestFile, "7:31" },
        { Head + "    users:\n      \"alice smith\": {}\n", ManifestCodes.InvalidName, ManifestFile, "7:7" },
        { "organisation: acme\nproject: demo\nenvironments:\n  \"feature/-\": {}\n", ManifestCodes.InvalidName, ManifestFile, "4:3" },
        { "organisation: acme\nproject: \"---\"\nenvironments: {}\n", ManifestCodes.InvalidName, ManifestFile, "2:10" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Plan_Mistake_ReportedWhereItIsWritten(string manifest, string code, string file, string position)
    {
        var result = Plan(manifest);
        Assert.Null(result.PlanJson);
        Assert.Contains(result.Diagnostics, d => d.Code == code && d.Position?.ToString() == $"{file}:{position}");
    }

    [Theory]
    [InlineData("address: \"10.77\"\n", "1:10")]
    [InlineData("address: 10.0.0.1\naddresses: [\"10.1\"]\n", "2:13")]
    [InlineData("address: 10.0.0.1\naddresses: [\"fe80::1%eth0\"]\n", "2:13")]
    [InlineData("address: -oProxyCommand\n", "1:10")]
    public void Plan_NodeAddressNotAHostOrAddress_ReportedAtIt(string node, string position)
    {
        var result = Plan(Head, node);
        Assert.Contains(result.Diagnostics, d => d.Code == ManifestCodes.InvalidValue && d.Position?.ToString() == "nodes/node-a/node.yaml:" + position);
    }
}
