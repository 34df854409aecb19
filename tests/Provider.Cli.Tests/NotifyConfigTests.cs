using Provider.Cli.Tests.Support;
using Provider.Nodes.Repository;

namespace Provider.Cli.Tests;

/// <summary>provider.yaml's notify: is checked by plan, read by serve, and never reaches generated/.</summary>
public class NotifyConfigTests
{
    private const string Notify =
        "notify:\n" +
        "  - { name: ops, urlEnv: OPS_SLACK_HOOK, format: slack, on: [failed, rolled-back] }\n" +
        "  - { name: audit, url: \"https://hooks.example/T0PSECRET/audit\", format: json }\n";

    [Fact]
    public async Task Plan_WithNotify_PlansAndLeavesItOutOfGenerated()
    {
        using var dir = PlanCommandTests.CopyExampleRepo();
        File.AppendAllText(Path.Combine(dir.Path, "provider.yaml"), Notify);

        var result = await CliRunner.RunAsync("--dir", dir.Path, "plan");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        foreach (var file in Directory.GetFiles(Path.Combine(dir.Path, "generated")))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("T0PSECRET", text, StringComparison.Ordinal);
            Assert.DoesNotContain("OPS_SLACK_HOOK", text, StringComparison.Ordinal);
            Assert.DoesNotContain("notify", text, StringComparison.OrdinalIgnoreCase);
        }

        var (targets, diagnostics) = new ProviderRepository(dir.Path).ReadNotifyTargets();
        Assert.Empty(diagnostics);
        Assert.Equal(["ops", "audit"], targets?.Select(t => t.Name));
    }

    [Fact]
    public async Task Plan_WithBadNotify_FailsWithThePosition_AndServeReadsTheSameError()
    {
        using var dir = PlanCommandTests.CopyExampleRepo();
        var provider = Path.Combine(dir.Path, "provider.yaml");
        var lines = File.ReadAllLines(provider).Length;
        File.AppendAllText(provider, "notify:\n  - { name: ops, urlEnv: OPS_HOOK, format: slak }\n");

        var result = await CliRunner.RunAsync("--dir", dir.Path, "plan");

        Assert.Equal(1, result.ExitCode);
        var where = $"provider.yaml:{lines + 2}:44";
        Assert.Contains(where + ": error HP1006 [notify.0.format]: 'slak' is not allowed; did you mean 'slack'?", result.Stderr + result.Stdout, StringComparison.Ordinal);
        var (targets, diagnostics) = new ProviderRepository(dir.Path).ReadNotifyTargets();
        Assert.Null(targets);
        Assert.Equal(where, Assert.Single(diagnostics).Position?.ToString());
    }

    [Fact]
    public void ReadNotifyTargets_NoProviderFile_SaysSo()
    {
        using var dir = new TempDir();
        var (targets, diagnostics) = new ProviderRepository(dir.Path).ReadNotifyTargets();
        Assert.Null(targets);
        Assert.Contains("no provider.yaml", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
    }
}
