using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;
using Provider.Planning.Planner;

namespace Provider.Planning.Tests.Planner;

public class NotifyReaderTests
{
    private const string Head = "hostenvHostname: hosting.test\nnotify:\n";

    private static (IReadOnlyList<NotifyTarget>? Targets, IReadOnlyList<Diagnostic> Diagnostics) Read(string notify)
    {
        var bag = new DiagnosticBag();
        var targets = NotifyReader.Read(new SourceFile("provider.yaml", Head + notify), bag);
        return (targets is { } t ? [.. t] : null, bag.Items);
    }

    private static Diagnostic SingleError(string notify)
    {
        var (targets, diagnostics) = Read(notify);
        Assert.Null(targets);
        return Assert.Single(diagnostics);
    }

    [Fact]
    public void Read_ValidTargets_AreTypedWithDefaults()
    {
        var (targets, diagnostics) = Read(
            "  - { name: ops, urlEnv: OPS_HOOK, format: slack, on: [failed, rolled-back] }\n" +
            "  - { name: audit, url: \"https://hooks.example/x?k=1\" }\n");

        Assert.Empty(diagnostics);
        Assert.NotNull(targets);
        Assert.Equal(2, targets.Count);
        Assert.Equal(("ops", null, "OPS_HOOK", NotifyFormat.Slack), (targets[0].Name, targets[0].Url, targets[0].UrlEnv, targets[0].Format));
        Assert.Equal([NotifyEvent.Failed, NotifyEvent.RolledBack], targets[0].On.ToArray());
        Assert.True(targets[0].Wants(NotifyEvent.RolledBack) && !targets[0].Wants(NotifyEvent.Succeeded));
        Assert.Equal("https://hooks.example/x?k=1", targets[1].Url);
        Assert.Equal(NotifyFormat.Json, targets[1].Format);
        Assert.Equal(NotifyNames.AllEvents, targets[1].On);
    }

    [Fact]
    public void Read_NoNotify_IsEmpty()
    {
        var bag = new DiagnosticBag();
        var targets = NotifyReader.Read(new SourceFile("provider.yaml", "hostenvHostname: hosting.test\n"), bag);
        Assert.Empty(bag.Items);
        Assert.Equal(0, targets?.Length);
    }

    [Fact]
    public void Read_UnknownFormat_SuggestsTheClosestAtItsPosition()
    {
        var d = SingleError("  - { name: ops, urlEnv: OPS_HOOK, format: slak }\n");
        Assert.Equal(ManifestCodes.InvalidValue, d.Code);
        Assert.Contains("did you mean 'slack'?", d.Message, StringComparison.Ordinal);
        Assert.Equal("provider.yaml:3:44", d.Position?.ToString());
        Assert.Equal("notify.0.format", d.Field);
    }

    [Fact]
    public void Read_UnknownEvent_SuggestsTheClosest()
    {
        var d = SingleError("  - name: ops\n    urlEnv: OPS_HOOK\n    on: [failed, rolledback]\n");
        Assert.Contains("did you mean 'rolled-back'?", d.Message, StringComparison.Ordinal);
        Assert.Equal("provider.yaml:5:18", d.Position?.ToString());
    }

    [Theory]
    [InlineData("ftp://hooks.example/x")]
    [InlineData("hooks.example/x")]
    [InlineData("https://user:pw@hooks.example/x")]
    public void Read_UrlNotHttp_IsRefusedWithTheForm(string url)
    {
        var d = SingleError($"  - {{ name: ops, url: \"{url}\" }}\n");
        Assert.Equal(ManifestCodes.InvalidValue, d.Code);
        Assert.Equal("provider.yaml:3:23", d.Position?.ToString());
        Assert.Contains("http(s)", d.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BothUrlAndUrlEnv_AsksForExactlyOne()
    {
        var d = SingleError("  - { name: ops, url: \"https://hooks.example/x\", urlEnv: OPS_HOOK }\n");
        Assert.Contains("exactly one of 'url' or 'urlEnv', not both", d.Message, StringComparison.Ordinal);
        Assert.Equal("provider.yaml:3:5", d.Position?.ToString());
    }

    [Fact]
    public void Read_NeitherUrlNorUrlEnv_AsksForOne()
    {
        var d = SingleError("  - name: ops\n    format: json\n");
        Assert.Contains("needs exactly one of 'url' or 'urlEnv'", d.Message, StringComparison.Ordinal);
        Assert.Equal("provider.yaml:3:5", d.Position?.ToString());
    }

    [Fact]
    public void Read_TwoTargetsOfOneName_PointsAtTheSecond()
    {
        var d = SingleError("  - { name: ops, urlEnv: A }\n  - { name: ops, urlEnv: B }\n");
        Assert.Equal("provider.yaml:4:13", d.Position?.ToString());
    }

    [Fact]
    public void Read_UnknownKeyInTarget_SuggestsTheKnownOne()
    {
        var d = SingleError("  - { name: ops, urlenv: A }\n");
        Assert.Equal(ManifestCodes.UnknownKey, d.Code);
        Assert.Contains("did you mean 'urlEnv'?", d.Message, StringComparison.Ordinal);
    }
}
