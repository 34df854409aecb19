using System.Diagnostics;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>scripts/canary-scan finds a planted canary wherever it is read, and not in the secrets files where it belongs.</summary>
public sealed class CanaryScanTests : IDisposable
{
    private readonly TempDir dir = new();
    private readonly string canary = "hp-canary-" + Guid.NewGuid().ToString("N")[..16];

    private (int ExitCode, string Output) Scan(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "scripts", "canary-scan"), args) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["HOSTENV_TEST_CANARY"] = canary;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    private string Write(string relative, string text)
    {
        var path = Path.Combine(dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void CanaryScan_PlantedInResultsOrANodeFile_ReportsEachHit_SecretsFilesExcluded()
    {
        var results = Path.Combine(dir.Path, "results");
        Write("results/run.trx", "<TestRun>all fine</TestRun>\n");
        Write("results/kept/hp-test-1/generated/plan.json", "{\"environments\": {}}\n");
        var testbed = Path.Combine(dir.Path, "testbed");
        Write("testbed/testbed.env", "export HOSTENV_TESTBED_DIR=x\n"); // no node addresses: the SSH pass is skipped
        Write("testbed/nodes/node-a/root/var/lib/hostenv/secrets/acme-main.env", $"GREETING={canary}\n");
        Write("testbed/nodes/node-a/root/etc/hostname", "node-a\n");

        var clean = Scan("--testbed", testbed, results);
        Assert.True(clean.ExitCode == 0, clean.Output); // the secrets file alone is no hit
        Assert.Contains("0 hit(s)", clean.Output, StringComparison.Ordinal);

        var inPlan = Write("results/kept/hp-test-1/generated/state.json", $"{{\"x\": \"prefix{canary}suffix\"}}\n");
        var onNode = Write("testbed/nodes/node-a/root/var/log/hostenv/acme-x.log", "binary\0" + canary);
        var dirty = Scan("--testbed", testbed, results);

        Assert.Equal(1, dirty.ExitCode);
        Assert.Contains("HIT " + inPlan, dirty.Output, StringComparison.Ordinal);
        Assert.Contains("HIT " + onNode, dirty.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secrets/acme-main.env", dirty.Output, StringComparison.Ordinal);
        Assert.Contains("2 hit(s)", dirty.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(canary, dirty.Output, StringComparison.Ordinal); // the scan never prints the value itself
    }

    [Fact]
    public void CanaryScan_WithoutACanary_RefusesToRun()
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "scripts", "canary-scan"), [dir.Path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["HOSTENV_TEST_CANARY"] = "";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("HOSTENV_TEST_CANARY", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => dir.Dispose();
}
