using Provider.Nodes.Apply;
using Provider.Nodes.Engine;

namespace Provider.Nodes.Tests.Diagnose;

public class DiagnoseOutputTests
{
    /// <summary>diagnose.sh's output as node-a of the testbed wrote it (an app stopped by hand), plus drift and lock lines.</summary>
    private const string NodeA = """
        @@node
        time 1795977980.780976681
        mem 24683656 21706040
        psi 0.00 12.50
        df / 270553174016 77444558848 16777216 16183748
        df /tmp 2527608832 2527592448 409600 409591
        failed hostenv-acme-renew.service
        failed systemd-remount-fs.service
        nginx 1
        nginxout nginx: [emerg] unknown directive "this" in /etc/nginx/conf.d/broken.conf:1
        nginxout nginx: configuration file /etc/nginx/nginx.conf test failed
        lock 634 {"User":"ci","Host":"runner","Pid":42,"Command":"deploy","Started":"2026-11-29T18:00:00.0000000+00:00","Token":"x"}
        @@env dgman-main-6c39b18
        release=20261129T184349-58397f724251
        slot=b
        lastdeploy=1795977832
        secretnames=
        result=success
        nrestarts=0
        active=inactive
        sub=dead
        oom=0
        log 2026-11-29T18:46:12+0000 node-a systemd[1]: Stopping hostenv-dgman-main-6c39b18-app@b.service - hostenv app dgman-main-6c39b18 (slot b)...
        log 2026-11-29T18:46:12+0000 node-a systemd[1]: Stopped hostenv-dgman-main-6c39b18-app@b.service - hostenv app dgman-main-6c39b18 (slot b).
        driftcount=2
        drift + added.txt
        drift ~ greeting.txt
        @@env other-main-1234567
        release=
        slot=
        lastdeploy=
        secretnames=API_KEY OTHER
        @@cert dgman-main-6c39b18.hosting.test 2111337786 1
        @@cert gone.hosting.test - 0
        @@end 1795977981.666313140
        """;

    [Fact]
    public void Parse_NodeReport_ReadsEveryFact()
    {
        var facts = DiagnoseOutput.Parse(NodeA);
        Assert.True(facts.Complete);
        Assert.Equal(1795977980.780976681, facts.StartTime!.Value, 3);
        Assert.Equal(1795977981.666313140, facts.EndTime!.Value, 3);
        Assert.Equal((24683656L, 21706040L), (facts.MemTotalKb!.Value, facts.MemAvailableKb!.Value));
        Assert.Equal(12.5, facts.PressureAvg60);
        Assert.Equal([new FilesystemFacts("/", 270553174016, 77444558848, 16777216, 16183748), new FilesystemFacts("/tmp", 2527608832, 2527592448, 409600, 409591)], facts.Filesystems.ToArray());
        Assert.Equal(["hostenv-acme-renew.service", "systemd-remount-fs.service"], facts.FailedUnits.ToArray());
        Assert.Equal(1, facts.NginxExit);
        Assert.Equal(2, facts.NginxOutput.Length);
        Assert.Equal(634, facts.Lock!.Value.AgeSeconds);
        Assert.StartsWith("{\"User\":\"ci\"", facts.Lock.Value.Owner, StringComparison.Ordinal);

        var app = facts.Environments["dgman-main-6c39b18"];
        Assert.Equal("20261129T184349-58397f724251", app.Release);
        Assert.Equal("b", app.Slot);
        Assert.Equal(1795977832, app.LastDeploy);
        Assert.Equal([], app.SecretNames!.Value.ToArray());
        Assert.Equal(("inactive", "dead", "success", 0, 0), (app.Active, app.SubState, app.Result, app.Restarts, app.OomLines));
        Assert.Equal(2, app.Log.Length);
        Assert.EndsWith("(slot b).", app.Log[1], StringComparison.Ordinal);
        Assert.Equal(2, app.DriftCount);
        Assert.Equal([new DriftEntry('+', "added.txt"), new DriftEntry('~', "greeting.txt")], app.Drift.ToArray());
        Assert.False(app.ManifestMissing);

        var other = facts.Environments["other-main-1234567"];
        Assert.Null(other.Release);
        Assert.Equal(["API_KEY", "OTHER"], other.SecretNames!.Value.ToArray());

        Assert.Equal([new CertificateFacts("dgman-main-6c39b18.hosting.test", 2111337786, true), new CertificateFacts("gone.hosting.test", null, false)], facts.Certificates.ToArray());
    }

    [Fact]
    public void Parse_OutputCutOff_IsIncompleteAndKeepsWhatArrived()
    {
        var cut = NodeA[..NodeA.IndexOf("@@env other", StringComparison.Ordinal)];
        var facts = DiagnoseOutput.Parse(cut);
        Assert.False(facts.Complete);
        Assert.Single(facts.Environments);
        Assert.Equal(2, facts.Environments["dgman-main-6c39b18"].Drift.Length);
    }

    [Fact]
    public void Parse_PayloadThatLooksLikeAKey_StaysInItsLine()
    {
        // A log line carrying "release=" or "@@" text inside is a log line, not a fact.
        var facts = DiagnoseOutput.Parse("@@node\n@@env u\nrelease=r1\nlog release=evil @@end\nmanifest=missing\n@@end 1\n");
        var env = facts.Environments["u"];
        Assert.Equal("r1", env.Release);
        Assert.Equal(["release=evil @@end"], env.Log.ToArray());
        Assert.True(env.ManifestMissing);
    }

    [Fact]
    public void Parse_ComposeSection_ReadsTheContainers()
    {
        var id = "sha256:" + new string('e', 64);
        var facts = DiagnoseOutput.Parse($"@@node\n@@env u\nrelease=r1\n@@compose\ncontainer\tu-a\tweb\t/u-a_web_1\trunning\tunhealthy\thostenv/u:r1\t{id}\t0\n@@end 1\n");
        var c = Assert.Single(facts.Containers);
        Assert.Equal(new ComposeContainer("u-a", "web", "u-a_web_1", "running", "unhealthy", "hostenv/u:r1", id, 0), c);
        Assert.Equal("r1", facts.Environments["u"].Release);
        Assert.True(facts.Complete);
    }

    [Theory]
    [InlineData("+ a b.txt", '+', "a b.txt")]
    [InlineData("- dir/x", '-', "dir/x")]
    [InlineData("~ y", '~', "y")]
    public void DriftEntry_Line_Parses(string line, char change, string path) => Assert.Equal(new DriftEntry(change, path), DriftEntry.Parse(line));

    [Theory]
    [InlineData("? no manifest")]
    [InlineData("+")]
    [InlineData("x file")]
    public void DriftEntry_OtherLine_IsNull(string line) => Assert.Null(DriftEntry.Parse(line));
}
