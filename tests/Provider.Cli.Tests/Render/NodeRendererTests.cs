using System.Text;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Planning.Gate;
using Provider.Planning.Render;

namespace Provider.Cli.Tests.Render;

/// <summary>Node generations: golden files, determinism, and the rendered nginx tree accepted by the real nginx -t.</summary>
public class NodeRendererTests
{
    private static JsonObject ExamplePlan() => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "generated", "plan.json")))!;

    private static JsonObject GatedPlan()
    {
        var plan = ExamplePlan();
        GateApplier.Apply(plan, [new GateRecord("node-a", "shop-assets.hosting.test", "node-a.hosting.test", GateStatus.Elsewhere, ["A 203.0.113.9"], "points elsewhere")], ["node-a"]);
        return plan;
    }

    public static TheoryData<string, string> Cases() => new() { { "example", "node-a" }, { "example", "node-b" }, { "gated", "node-a" } };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Render_Node_MatchesGoldenTree(string plan, string node)
    {
        var generation = NodeRenderer.Render(plan == "gated" ? GatedPlan() : ExamplePlan(), node);
        var dir = Path.Combine(RepoPaths.Root, "tests", "golden-render", plan, node);
        foreach (var file in generation.Files)
        {
            GoldenFile.AssertMatches(Path.Combine(dir, file.Path), Encoding.UTF8.GetString(file.Content));
        }

        if (!GoldenFile.Updating)
        {
            var expected = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Where(f => !f.Contains(".received.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
            Assert.Equal(expected, generation.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Render_SamePlan_SameIdAndBytes()
    {
        var a = NodeRenderer.Render(ExamplePlan(), "node-a");
        var b = NodeRenderer.Render(ExamplePlan(), "node-a");
        Assert.Equal(a.Id, b.Id);
        Assert.Equal(a.Files.Select(f => f.Sha256), b.Files.Select(f => f.Sha256));
        Assert.NotEqual(a.Id, NodeRenderer.Render(GatedPlan(), "node-a").Id);
    }

    [Fact]
    public void Render_GatedVhost_ServesHttpOnly_AndIsNotRequested()
    {
        var g = NodeRenderer.Render(GatedPlan(), "node-a");
        var nginx = Encoding.UTF8.GetString(g.Files.Single(f => f.Path == "nginx/env-shop-main-4f7240c.conf").Content);
        var servers = nginx.Split("server {").Where(s => s.Contains("server_name shop-assets.hosting.test;", StringComparison.Ordinal)).ToList();
        var only = Assert.Single(servers);
        Assert.Contains("listen 80;", only, StringComparison.Ordinal);
        Assert.DoesNotContain("return 301 https", only, StringComparison.Ordinal);
        Assert.DoesNotContain("Strict-Transport-Security", only, StringComparison.Ordinal);
        Assert.DoesNotContain("shop-assets", Encoding.UTF8.GetString(g.Files.Single(f => f.Path == "acme/domains").Content), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("node-a")]
    [InlineData("node-b")]
    public void Render_NginxTree_PassesRealNginxTest(string node) => AssertNginxAccepts(GatedPlan(), node);

    [Fact]
    public void Render_RegexExactNamedLocationsAndReturnText_ModifierIsItsOwnArgument_PassesRealNginxTest()
    {
        var plan = GatedPlan();
        var vhost = plan["nodes"]!["node-a"]!["services"]!["nginx"]!["virtualHosts"]!["shop-assets.hosting.test"]!.AsObject();
        vhost["locations"] = new JsonObject
        {
            ["/"] = new JsonObject { ["tryFiles"] = "$uri @app" },
            ["= /favicon.ico"] = new JsonObject { ["return"] = "204" },
            ["^~ /assets/"] = new JsonObject { ["alias"] = "/srv/assets/" },
            ["~ \\.php$"] = new JsonObject { ["return"] = "403 no php here" },
            ["~* \\.(png|jpg)$"] = new JsonObject { ["root"] = "/srv/images" },
            ["@app"] = new JsonObject { ["return"] = "301 https://example.com/" },
        };

        var nginx = Encoding.UTF8.GetString(NodeRenderer.Render(plan, "node-a").Files.Single(f => f.Path == "nginx/env-shop-main-4f7240c.conf").Content);
        Assert.Contains("location = /favicon.ico {", nginx, StringComparison.Ordinal);
        Assert.Contains("location ^~ /assets/ {", nginx, StringComparison.Ordinal);
        Assert.Contains("location ~ \"\\\\.php$\" {", nginx, StringComparison.Ordinal);
        Assert.Contains("return 403 \"no php here\";", nginx, StringComparison.Ordinal);
        Assert.Contains("location @app {", nginx, StringComparison.Ordinal);
        Assert.Contains("return 301 https://example.com/;", nginx, StringComparison.Ordinal);
        AssertNginxAccepts(plan, "node-a");
    }

    private const string Demo = "demo-main-3a65ba5";

    private static string[] AppUnitLines(JsonObject plan) =>
        Encoding.UTF8.GetString(NodeRenderer.Render(plan, "node-a").Files.Single(f => f.Path == $"systemd/hostenv-{Demo}-app@.service").Content).Split('\n');

    [Fact]
    public void Render_AppUnit_IsSandboxed_SeesOnlyItsOwnDirectories_AndWritesNoWorldWritableFiles()
    {
        var unit = AppUnitLines(ExamplePlan());

        Assert.DoesNotContain("UMask=0000", unit);
        Assert.Contains("UMask=0007", unit);
        foreach (var setting in new[]
        {
            "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=tmpfs", "PrivateTmp=yes", "PrivateDevices=yes", "PrivateUsers=yes",
            "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectControlGroups=yes", "RestrictSUIDSGID=yes", "RestrictNamespaces=yes",
            "LockPersonality=yes", "SystemCallFilter=@system-service", "ProtectProc=invisible", "ProcSubset=pid", "CapabilityBoundingSet=",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
            // Only its own places come back into the emptied /home, /run/hostenv and /var/lib/hostenv.
            $"BindPaths=/home/{Demo}", $"BindPaths=/run/hostenv/nginx/{Demo} /run/hostenv/user/{Demo}", $"BindReadOnlyPaths=-/home/{Demo}/releases",
            "TemporaryFileSystem=/run/hostenv:ro", "TemporaryFileSystem=/var/lib/hostenv:ro", $"BindReadOnlyPaths=/var/lib/hostenv/current/apps/{Demo}",
        })
        {
            Assert.Contains(setting, unit);
        }

        // No other environment's path is named anywhere in the unit.
        Assert.DoesNotContain(unit, l => l.Contains("shop-main-4f7240c", StringComparison.Ordinal));
    }

    public static TheoryData<string, string[]> Relaxations() => new()
    {
        { "writeRelease", [$"BindReadOnlyPaths=-/home/{Demo}/releases"] },
        { "createNamespaces", ["RestrictNamespaces=yes"] },
        { "anySystemCall", ["SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"] },
        { "anyAddressFamily", ["RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"] },
        { "systemInfo", ["ProcSubset=pid"] },
    };

    [Theory]
    [MemberData(nameof(Relaxations))]
    public void Render_SandboxAllow_LiftsExactlyTheNamedProtection(string relaxation, string[] lifted)
    {
        var plan = ExamplePlan();
        plan["environments"]![Demo]!["app"]!["sandbox"]!["allow"] = new JsonArray(relaxation);

        var before = AppUnitLines(ExamplePlan());
        var after = AppUnitLines(plan);

        Assert.Equal(lifted, before.Except(after));
        Assert.Empty(after.Except(before));
    }

    [Fact]
    public void Schema_SandboxRelaxations_AreExactlyTheOnesTheRendererKnows()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "Provider.Planning", "Schemas", "hostenv.schema.json")))!;
        var names = schema["$defs"]!["app"]!["properties"]!["sandbox"]!["properties"]!["allow"]!["items"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>());
        Assert.Equal(Provider.Planning.Model.SandboxRelaxation.All, names.Order(StringComparer.Ordinal));
        Assert.Equal(Provider.Planning.Model.SandboxRelaxation.All.Select(r => r), Relaxations().Select(r => (string)r[0]).Order(StringComparer.Ordinal));
    }

    private static void AssertNginxAccepts(JsonObject plan, string node)
    {
        using var prefix = new TempDir();
        var certRoot = Path.Combine(prefix.Path, "certs");
        var generation = NodeRenderer.Render(plan, node, certRoot, Path.Combine(prefix.Path, "logs"));
        foreach (var file in generation.Files.Where(f => f.Path.StartsWith("nginx/", StringComparison.Ordinal)))
        {
            var path = Path.Combine(prefix.Path, "gen", file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, file.Content);
        }

        // Placeholder certificates where activation would put them, as on a node before lego ran.
        var certs = generation.Files.Where(f => f.Path.StartsWith("nginx/env-", StringComparison.Ordinal))
            .SelectMany(f => Encoding.UTF8.GetString(f.Content).Split('\n'))
            .Where(l => l.Contains("ssl_certificate ", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ')[1].TrimEnd(';'));
        foreach (var vhost in certs)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(vhost)!);
            NginxPrefix.Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=placeholder",
                "-keyout", Path.Combine(Path.GetDirectoryName(vhost)!, "key.pem"), "-out", vhost);
        }

        var (code, output) = NginxPrefix.Run("nginx", "-t", "-p", prefix.Path, "-c", NginxPrefix.WriteConfig(prefix.Path));
        Assert.True(code == 0, output);
        Assert.Contains("test is successful", output, StringComparison.Ordinal);
    }
}
