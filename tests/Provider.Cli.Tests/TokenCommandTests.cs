using System.Net;
using System.Text.Json.Nodes;
using Provider.Cli.Commands;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>`token create|list|revoke` on a real SQLite database, and serve's listen rule.</summary>
public sealed class TokenCommandTests : IDisposable
{
    private readonly TempDir dir = new();

    private string Db => Path.Combine(dir.Path, "serve.db");

    public void Dispose() => dir.Dispose();

    private Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(["token", .. args, "--db", Db]);

    [Fact]
    public async Task Create_PrintsTheSecretOnceToStdout_ListNeverShowsIt()
    {
        var created = await Cli("create", "ci-bot", "--scope", "deploy");

        Assert.Equal(0, created.ExitCode);
        var secret = created.Stdout.TrimEnd('\n');
        Assert.Matches("^hp_[A-Za-z0-9_-]{43}$", secret);
        Assert.Contains("shown only this once", created.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, created.Stderr, StringComparison.Ordinal);

        var text = await Cli("list");
        var json = await Cli("list", "--format", "json");
        Assert.Contains("ci-bot", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, text.Stdout + json.Stdout, StringComparison.Ordinal);
        var token = Assert.Single(JsonNode.Parse(json.Stdout)!["tokens"]!.AsArray())!;
        Assert.Equal(("ci-bot", "deploy", secret[..10]), ((string?)token["name"], (string?)token["scope"], (string?)token["prefix"]));
        Assert.Null(token["revokedAt"]);
    }

    [Fact]
    public async Task Revoke_ByNameThenAgain_RevokedOnceThenError()
    {
        await Cli("create", "alice", "--scope", "read");

        var revoked = await Cli("revoke", "alice");
        var again = await Cli("revoke", "alice");
        var json = await Cli("list", "--format", "json");

        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("no live token", again.Stderr, StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(json.Stdout)!["tokens"]![0]!["revokedAt"]);
    }

    [Fact]
    public async Task Create_BadScopeOrTakenName_Refused()
    {
        await Cli("create", "bob", "--scope", "admin");

        var taken = await Cli("create", "bob", "--scope", "read");
        var scope = await Cli("create", "carol", "--scope", "root");

        Assert.Equal(1, taken.ExitCode);
        Assert.Contains("already exists", taken.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, scope.ExitCode);
        Assert.Equal(string.Empty, taken.Stdout);
        Assert.DoesNotContain("hp_", scope.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ServeListen_BeyondLoopbackWithoutTokens_RefusedNamingTokenCreate()
    {
        var any = ServeCommand.ParseListen("0.0.0.0:3333");

        var ex = Assert.Throws<UserException>(() => ServeCommand.RequireTokensBeyondLoopback(any, anyToken: false));
        Assert.Contains("hostenv-provider token create", ex.Message, StringComparison.Ordinal);
        ServeCommand.RequireTokensBeyondLoopback(any, anyToken: true);
        ServeCommand.RequireTokensBeyondLoopback(new IPEndPoint(IPAddress.Loopback, 3333), anyToken: false);
    }

    [Fact]
    public void ServeTls_OnlyOneOfCertAndKey_Refused()
    {
        Assert.Null(ServeCommand.ParseTls(null, null));
        Assert.Throws<UserException>(() => ServeCommand.ParseTls("cert.pem", null));
    }
}
