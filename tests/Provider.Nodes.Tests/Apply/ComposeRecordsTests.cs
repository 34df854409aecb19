using Provider.Nodes.Apply;
using Provider.Planning.Plan;

namespace Provider.Nodes.Tests.Apply;

/// <summary>What status, history and the dry run read back from a node for compose environments: containers, release images, changed inputs.</summary>
public sealed class ComposeRecordsTests
{
    private const string IdA = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string IdB = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    [Fact]
    public void ComposeContainers_Parse_ReadsEveryFieldSortsAndSkipsOtherLines()
    {
        var text = string.Join('\n',
            "env u1",
            "  slot=a",
            $"container\tu1-b\tweb\t/u1-b_web_1\texited\t\thostenv/u1:r2\t{IdB}\t137",
            $"container\tu1-a\tweb\t/u1-a_web_1\trunning\thealthy\thostenv/u1:r1\t{IdA}\t0",
            $"container\tu1-a\tcache\t/u1-a_cache_1\trunning\tunhealthy\t{IdB}\t{IdB}\t0",
            "container\ttoo\tshort");
        var all = ComposeContainers.Parse(text);
        Assert.Equal(["u1-a/cache", "u1-a/web", "u1-b/web"], all.Select(c => c.Project + "/" + c.Service));
        var web = all[1];
        Assert.Equal(new ComposeContainer("u1-a", "web", "u1-a_web_1", "running", "healthy", "hostenv/u1:r1", IdA, 0), web);
        Assert.Equal("0123456789ab", web.ShortImageId);
        Assert.Null(all[2].Health);
        Assert.Equal(137, all[2].ExitCode);
    }

    [Fact]
    public void ComposeContainers_Summary_NamesWhatIsWrongWithTheLiveSlot()
    {
        var all = ComposeContainers.Parse(string.Join('\n',
            $"container\tu1-a\tweb\t/w\trunning\thealthy\tx\t{IdA}\t0",
            $"container\tu1-a\tworker\t/k\trunning\tstarting\tx\t{IdA}\t0",
            $"container\tu1-b\tweb\t/w2\texited\t\tx\t{IdA}\t1",
            $"container\tu1-b\tcache\t/c2\trunning\tunhealthy\tx\t{IdA}\t0",
            $"container\tu2-a\tweb\t/o\tcreated\t\tx\t{IdA}\t0"));
        Assert.Equal("running", ComposeContainers.Summary(ComposeContainers.OfSlot(all, "u1", "a")));
        Assert.Equal("cache unhealthy, web exited (1)", ComposeContainers.Summary(ComposeContainers.OfSlot(all, "u1", "b")));
        Assert.Equal("web created", ComposeContainers.Summary(ComposeContainers.OfSlot(all, "u2", "a")));
        Assert.Equal("no containers", ComposeContainers.Summary(ComposeContainers.OfSlot(all, "u2", "b")));
    }

    [Fact]
    public void ReleaseImage_Parse_BuiltAndPinnedRecords()
    {
        var built = ReleaseImage.Parse($"r1\thostenv/u1:r1\t{IdA}");
        Assert.Equal(new ReleaseImage("r1", "hostenv/u1:r1", IdA, null, null), built);
        Assert.Equal("hostenv/u1:r1", built?.Reference);

        var byId = ReleaseImage.Parse($"r1\tlocal.test/side:stable\t{IdB}\tside\t");
        Assert.Equal(IdB, byId?.Reference);
        var byDigest = ReleaseImage.Parse($"r1\tregistry.test:5000/side:1\t{IdB}\tside\tregistry.test:5000/side@sha256:aa");
        Assert.Equal("registry.test:5000/side@sha256:aa", byDigest?.Reference);

        Assert.Null(ReleaseImage.Parse("r1\thostenv/u1:r1"));
        Assert.Null(ReleaseImage.Parse("r1\thostenv/u1:r1\tnot-an-id"));
    }

    [Fact]
    public void ReleaseImage_ParsePins_ByServiceLastWins()
    {
        var pins = ReleaseImage.ParsePins([$"pin\tside\tlocal/side:1\t{IdA}\t", "file services:", $"pin\tside\tlocal/side:1\t{IdB}\tlocal/side@sha256:bb", $"pin\tdb\tdb:16\t{IdA}"]);
        Assert.Equal(["db", "side"], pins.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("local/side@sha256:bb", pins["side"].Reference);
        Assert.Equal(IdA, pins["db"].Reference);
    }

    private static readonly ComposePlan Compose = new("compose.yaml", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "web", 8080);
    private const string Recorded = "source:s1 app:a1 overrides:o1 secrets:x1 composeoverride:c1 compose:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    [Theory]
    [InlineData("source:s1 app:a1 overrides:o1 secrets:x1 composeoverride:c1 compose:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "compose file compose.yaml changed (sha256 aaaaaaaaaaaa -> bbbbbbbbbbbb)")]
    [InlineData("source:s2 app:a1 overrides:o1 secrets:x1 composeoverride:c1 compose:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "other source files changed")]
    [InlineData("source:s1 app:a1 overrides:o2 secrets:x1 composeoverride:c2 compose:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "the node's compose.override.yaml changed")]
    [InlineData("source:s1 app:a2 overrides:o2 secrets:x2 composeoverride:c1 compose:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "app settings changed|node overrides changed|secrets changed")]
    [InlineData(Recorded, "")]
    public void ChangedInputs_SaysWhichPartChanged(string now, string expected)
    {
        var reasons = EnvironmentStage.ChangedInputs(Recorded, now, Compose);
        Assert.Equal(expected, string.Join('|', reasons ?? ["(none recorded)"]));
    }

    [Fact]
    public void ChangedInputs_NothingRecorded_IsNull()
    {
        Assert.Null(EnvironmentStage.ChangedInputs(null, Recorded, Compose));
        Assert.Equal(["source changed"], EnvironmentStage.ChangedInputs("source:s1 app:a1", "source:s2 app:a1", null));
    }
}
