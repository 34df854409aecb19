using System.Collections.Immutable;
using Provider.Monitor.Storage;

namespace Provider.Monitor.Tests.Web;

/// <summary>
/// The fleet the web tests see: node "alpha" (reachable; shop and blog healthy, api down; certificates ok, soon
/// and placeholder; logs with a unique token and a line of markup; nginx access lines in the last hour) and node
/// "beta" (unreachable). Times hang off a fixed "now" so pages render the same every run.
/// </summary>
internal static class FleetSeed
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    public const string Token = "quokka7319";
    public const string ScriptMessage = "client sent <script>alert(1)</script> in a header";
    public const int Requests = 30;
    public const int Errors = 4;

    public static IEnumerable<NodeCycle> Cycles()
    {
        yield return Alpha(Now.AddMinutes(-2), blog: Health.Healthy, History(), Lines());
        yield return new NodeCycle(NodeSnapshot.Unreachable("beta", Now.AddMinutes(-2), "ssh: connect to host beta port 22: Connection refused"), [], [], Cursors());
    }

    /// <summary>alpha at another collection, with blog in the given health (the live-update test turns it down).</summary>
    public static NodeCycle Alpha(DateTimeOffset at, Health blog, ImmutableArray<DeployEvent> history = default, ImmutableArray<LogLine> lines = default) => new(
        new NodeSnapshot(
            "alpha", at, true, null, "gen-42-abcdef", 42, 0.42, 0.30, 0.25, 8L << 30, 3L << 30, 100L << 30, 40L << 30, 6_000_000, 5_100_000,
            ["backup.service"],
            [
                new CertificateInfo("shop.example", Now.AddDays(60), false),
                new CertificateInfo("blog.example", Now.AddDays(10), false),
                new CertificateInfo("api.example", Now.AddDays(90), true),
            ],
            [
                Env("shop", Health.Healthy, 200),
                Env("blog", blog, blog == Health.Healthy ? 200 : 502),
                Env("api", Health.Down, 503),
            ],
            [new GenerationEntry(41, "gen-41-fedcba", false), new GenerationEntry(42, "gen-42-abcdef", true)]),
        history.IsDefault ? [] : history,
        lines.IsDefault ? [] : lines,
        Cursors());

    private static EnvironmentSnapshot Env(string name, Health health, int status) =>
        new(name, "web", "r7", "0123456789abcdef0123", "blue", $"{name}-blue.service", status, health, Now.AddHours(-3), "ok");

    private static ImmutableArray<DeployEvent> History() =>
    [
        new("alpha", "shop", Now.AddHours(-5), "r6", "aaaaaaaaaaaa1111", "ok", 41.5),
        new("alpha", "shop", Now.AddHours(-3), "r7", "0123456789abcdef0123", "ok", 38.0),
        new("alpha", "api", Now.AddHours(-2), "r3", "bbbbbbbbbbbb2222", "failed", 12.25),
        new("alpha", "(system)", Now.AddHours(-1), "gen-42", "gen-42-abcdef", "ok", null),
    ];

    private static ImmutableArray<LogLine> Lines()
    {
        var lines = ImmutableArray.CreateBuilder<LogLine>();
        lines.Add(new("alpha", "shop", "journal:shop-blue.service", Now.AddMinutes(-30), 6, $"order 17 paid, reference {Token}"));
        lines.Add(new("alpha", "shop", "journal:shop-blue.service", Now.AddMinutes(-20), 3, "payment gateway timed out"));
        lines.Add(new("alpha", "api", "nginx-error:api.example", Now.AddMinutes(-10), 4, ScriptMessage));
        for (var i = 0; i < Requests; i++)
        {
            var status = i < Errors ? 502 : 200;
            lines.Add(new("alpha", "shop", "nginx-access:shop.example", Now.AddMinutes(-40 + i), 6, $"GET /item/{i} {status}", status));
        }

        return lines.ToImmutable();
    }

    private static ImmutableSortedDictionary<string, string> Cursors() => ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);
}
