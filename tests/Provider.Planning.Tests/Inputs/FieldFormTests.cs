using System.Text.Json.Nodes;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;

namespace Provider.Planning.Tests.Inputs;

/// <summary>
/// The schema patterns of fields that name a host, a URL, a path or a git source: the legal forms pass, the
/// near misses fail at the value with a hint that states the expected form.
/// </summary>
public class FieldFormTests
{
    private const string Manifest = "organisation: acme\nproject: demo\nenvironments:\n  main:\n";

    private static List<Diagnostic> Validate(string text, SchemaKind kind)
    {
        var bag = new DiagnosticBag();
        var doc = YamlDocument.Parse(new SourceFile("x.yaml", text), bag);
        SchemaValidator.Validate(doc, kind, bag);
        return [.. bag.Sorted()];
    }

    private static string Vhost(string fields) => Manifest + "    virtualHosts:\n      a.example.com: { " + fields + " }\n";

    private static string Location(string fields) => Manifest + "    virtualHosts:\n      a.example.com:\n        locations:\n          /: { " + fields + " }\n";

    private static string Provider(string extra) => "hostenvHostname: hosting.test\n" + extra + "\n";

    private static string Project(string fields) => Provider("projects:\n  acme__demo: { " + fields + " }");

    public static TheoryData<string, SchemaKind> LegalForms() => new()
    {
        { Vhost("globalRedirect: www.example.com"), SchemaKind.Hostenv },
        { Vhost("globalRedirect: Example.COM."), SchemaKind.Hostenv },
        { Vhost("globalRedirect: \"www.example.com:8443\""), SchemaKind.Hostenv },
        { Vhost("security: { referrerPolicy: \"no-referrer, strict-origin-when-cross-origin\", xFrameOptions: DENY, cspReportTo: csp-endpoint }"), SchemaKind.Hostenv },
        { Vhost("security: { referrerPolicy: null, xFrameOptions: null, cspReportTo: null }"), SchemaKind.Hostenv },
        { Location("proxyPass: \"http://127.0.0.1:8080\""), SchemaKind.Hostenv },
        { Location("proxyPass: \"https://backend.example.com/api/?x=1\""), SchemaKind.Hostenv },
        { Location("proxyPass: \"http://unix:/run/app.sock:\""), SchemaKind.Hostenv },
        { Location("proxyPass: \"http://[2001:db8::1]:8080/\""), SchemaKind.Hostenv },
        { Location("proxyPass: \"http://$backend\""), SchemaKind.Hostenv },
        { Location("root: /srv/www, index: index.html index.htm"), SchemaKind.Hostenv },
        { Location("alias: /srv/assets/"), SchemaKind.Hostenv },
        { Location("tryFiles: \"$uri $uri/ /index.html\""), SchemaKind.Hostenv },
        { Location("tryFiles: \"$uri =404\""), SchemaKind.Hostenv },
        { Location("tryFiles: \"$uri @app\""), SchemaKind.Hostenv },
        { Location("return: \"403\""), SchemaKind.Hostenv },
        { Location("return: \"200 all good\""), SchemaKind.Hostenv },
        { Location("return: \"301 https://example.com/\""), SchemaKind.Hostenv },
        { Location("return: \"302 /elsewhere\""), SchemaKind.Hostenv },
        { Location("return: \"https://example.com$request_uri\""), SchemaKind.Hostenv },
        { Manifest + "    app: { run: ./x, healthCheck: { path: \"/health?full=1\", expectStatus: 200-399 } }\n", SchemaKind.Hostenv },
        { Manifest + "    deploymentVerification:\n      - { path: /, host: www.example.com }\n      - { path: /x, host: \"api.example.com:8443\" }\n", SchemaKind.Hostenv },
        { Manifest + "    users:\n      alice: { publicKeys: [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEs5 alice@laptop (work)\"] }\n", SchemaKind.Hostenv },
        { Project("git: \"https://git.example.com/acme/demo.git\", ref: main"), SchemaKind.Provider },
        { Project("git: \"https://deploy@git.example.com:8443/acme/demo.git\""), SchemaKind.Provider },
        { Project("git: \"ssh://git@git.example.com:2222/acme/demo.git\", ref: v1.2.3"), SchemaKind.Provider },
        { Project("git: \"git@github.com:acme/demo.git\", ref: refs/heads/release/2024"), SchemaKind.Provider },
        { Project("git: \"git.example.com:/srv/git/demo.git\", ref: HEAD"), SchemaKind.Provider },
        { Project("git: \"file:///srv/git/demo.git\", ref: 0123456789abcdef0123456789abcdef01234567"), SchemaKind.Provider },
        { Project("git: /srv/git/demo.git, ref: feature/new-checkout"), SchemaKind.Provider },
        { Provider("letsEncrypt: { adminEmail: ops@example.com, directory: \"https://10.77.0.1:14000/dir\" }"), SchemaKind.Provider },
        { Provider("letsEncrypt: { adminEmail: ops@example.com, directory: \"https://acme-staging-v02.api.letsencrypt.org/directory\" }"), SchemaKind.Provider },
        { Provider("letsEncrypt: { adminEmail: ops@example.com, directory: \"http://pebble:14000/dir\" }"), SchemaKind.Provider },
        { Provider("cloudflare: { apiTokenFile: /etc/hostenv/cloudflare-token }"), SchemaKind.Provider },
        { Provider("cloudflare: { apiTokenFile: secrets/cloudflare token.txt }"), SchemaKind.Provider },
        { "address: 2001:db8::11\n", SchemaKind.Node },
        { "address: \"[2001:db8::11]\"\n", SchemaKind.Node },
        { "address: node-a.example.com\n", SchemaKind.Node },
    };

    [Theory]
    [MemberData(nameof(LegalForms))]
    public void Validate_LegalForm_Passes(string text, SchemaKind kind) => Assert.Empty(Validate(text, kind));

    public static TheoryData<string, SchemaKind, string> NearMisses() => new()
    {
        { Vhost("globalRedirect: \"demo.hosting.test; x\""), SchemaKind.Hostenv, "globalRedirect" },
        { Vhost("globalRedirect: \"https://www.example.com\""), SchemaKind.Hostenv, "globalRedirect" },
        { Vhost("globalRedirect: \"www.example.com/path\""), SchemaKind.Hostenv, "globalRedirect" },
        { Vhost("globalRedirect: localhost"), SchemaKind.Hostenv, "globalRedirect" },
        { Vhost("globalRedirect: \"www.example.com:70000\""), SchemaKind.Hostenv, "globalRedirect" },
        { Vhost("globalRedirect: \"www.example.com\\n\""), SchemaKind.Hostenv, "globalRedirect" },
        { Vhost("security: { referrerPolicy: \"same-origin; x\" }"), SchemaKind.Hostenv, "security.referrerPolicy" },
        { Vhost("security: { cspReportTo: \"csp; script-src *\" }"), SchemaKind.Hostenv, "security.cspReportTo" },
        { Location("proxyPass: \"127.0.0.1:8080\""), SchemaKind.Hostenv, "proxyPass" },
        { Location("proxyPass: \"http://a b\""), SchemaKind.Hostenv, "proxyPass" },
        { Location("root: srv/www"), SchemaKind.Hostenv, "root" },
        { Location("alias: \"/srv/my files\""), SchemaKind.Hostenv, "alias" },
        { Location("index: \"index.html;\\nlisten 81\""), SchemaKind.Hostenv, "index" },
        { Location("tryFiles: $uri"), SchemaKind.Hostenv, "tryFiles" },
        { Location("return: \"301\""), SchemaKind.Hostenv, "return" },
        { Location("return: \"999 nope\""), SchemaKind.Hostenv, "return" },
        { Manifest + "    app: { run: ./x, healthCheck: { path: \"/health check\" } }\n", SchemaKind.Hostenv, "healthCheck.path" },
        { Manifest + "    deploymentVerification:\n      - { path: /, host: \"https://www.example.com/\" }\n", SchemaKind.Hostenv, "host" },
        { Manifest + "    resources: { memoryMax: \"1G\\n\" }\n", SchemaKind.Hostenv, "memoryMax" },
        { Project("git: \"https://deploy:s3cret@git.example.com/acme/demo.git\""), SchemaKind.Provider, "git" },
        { Project("git: \"ext::sh -c touch% /tmp/x\""), SchemaKind.Provider, "git" },
        { Project("git: \"demo.git\""), SchemaKind.Provider, "git" },
        { Project("git: \"/srv/git/demo.git\", ref: \"main:refs/heads/x\""), SchemaKind.Provider, "ref" },
        { Project("git: \"/srv/git/demo.git\", ref: \"--upload-pack=evil\""), SchemaKind.Provider, "ref" },
        { Project("git: \"/srv/git/demo.git\", ref: \"a..b\""), SchemaKind.Provider, "ref" },
        { Project("git: \"/srv/git/demo.git\", ref: \"+main\""), SchemaKind.Provider, "ref" },
        { Project("git: \"/srv/git/demo.git\", ref: \"main.lock\""), SchemaKind.Provider, "ref" },
        { Provider("letsEncrypt: { adminEmail: ops@example.com, directory: \"https://acme.example/dir\\nacceptTerms=true\" }"), SchemaKind.Provider, "directory" },
        { Provider("letsEncrypt: { adminEmail: ops@example.com, directory: \"https:///dir\" }"), SchemaKind.Provider, "directory" },
        { Provider("cloudflare: { apiTokenFile: ~/cloudflare-token }"), SchemaKind.Provider, "apiTokenFile" },
        { Provider("deployUser: \"deploy\\n\""), SchemaKind.Provider, "deployUser" },
        { "address: \"node a\"\n", SchemaKind.Node, "address" },
        { "address: a\nuser: \"deploy\\n\"\n", SchemaKind.Node, "user" },
    };

    [Theory]
    [MemberData(nameof(NearMisses))]
    public void Validate_NearMiss_FailsAtTheValueWithTheExpectedForm(string text, SchemaKind kind, string field)
    {
        var d = Assert.Single(Validate(text, kind));
        Assert.Equal(ManifestCodes.InvalidValue, d.Code);
        Assert.EndsWith(field, d.Field, StringComparison.Ordinal);
        Assert.True(!d.Hint!.Contains("must match", StringComparison.Ordinal), d.Format());
        Assert.DoesNotContain('\n', d.Message);
    }

    [Fact]
    public void Validate_GlobalRedirectWithSemicolon_HintSaysAHostName()
    {
        var d = Assert.Single(Validate(Vhost("globalRedirect: \"demo.hosting.test; x\""), SchemaKind.Hostenv));
        Assert.Equal(new SourcePosition("x.yaml", 6, 40), d.Position);
        Assert.Equal("A host name like www.example.com, optionally with :port; no scheme, path or spaces.", d.Hint);
    }

    [Fact]
    public void Validate_ValueWithLineBreak_MessageShowsItEscaped()
    {
        var d = Assert.Single(Validate(Provider("deployUser: \"deploy\\n\""), SchemaKind.Provider));
        Assert.Contains("'deploy\\n'", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schemas_EveryPattern_HasADescriptionForTheHint()
    {
        var missing = new List<string>();
        void Walk(JsonNode? node, string path)
        {
            if (node is JsonObject o)
            {
                if (o.ContainsKey("pattern") && !o.ContainsKey("description"))
                {
                    missing.Add(path);
                }

                foreach (var (key, child) in o)
                {
                    Walk(child, path + "/" + key);
                }
            }
            else if (node is JsonArray a)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    Walk(a[i], path + "/" + i);
                }
            }
        }

        foreach (var (name, text) in Schemas.All())
        {
            Walk(JsonNode.Parse(text), name + "#");
        }

        Assert.Empty(missing);
    }
}
