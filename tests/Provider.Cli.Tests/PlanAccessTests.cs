using System.Text.RegularExpressions;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>
/// Consumers of generated/plan.json read it through the typed model (Provider.Planning.Plan), never by indexing JSON:
/// a malformed plan then fails once, clearly, in PlanReader instead of as a null deep inside a deploy (issue 17).
/// </summary>
public partial class PlanAccessTests
{
    /// <summary>Files that index JSON documents of their own, not the plan (the deploy journal; a release's compose file).</summary>
    private static readonly string[] OwnDocuments = ["src/Provider.Nodes/Apply/DeployJournal.cs", "src/Provider.Nodes/Apply/EnvironmentStage.Compose.cs"];

    [GeneratedRegex("""(\?|\]|\b[A-Za-z]+)\["(environments|nodes|nodeConnections|app|source|dnsGate|inputsHash|cloudflare|deploymentVerification|healthCheck|userName|hostname|secrets|virtualHosts|services|planFormat)"\]""")]
    private static partial Regex PlanLookup();

    [Fact]
    public void PlanConsumers_CliAndNodes_NoJsonLookupsIntoThePlan()
    {
        var offenders = new List<string>();
        foreach (var dir in new[] { "src/Provider.Cli", "src/Provider.Nodes" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, dir), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)))
            {
                var relative = Path.GetRelativePath(RepoPaths.Root, file);
                if (OwnDocuments.Contains(relative))
                {
                    continue;
                }

                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    // An object initializer (`["nodes"] = …`) builds output JSON; only lookups are refused.
                    if (PlanLookup().IsMatch(lines[i]) && !Regex.IsMatch(lines[i], """^\s*\["[A-Za-z]+"\]\s*="""))
                    {
                        offenders.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
                    }
                }
            }
        }

        Assert.True(offenders.Count == 0, "use Provider.Planning.Plan.FleetPlan instead of:\n" + string.Join("\n", offenders));
    }

    [Theory]
    [InlineData("deploy", "--dry-run")]
    [InlineData("status")]
    [InlineData("verify")]
    [InlineData("diagnose")]
    [InlineData("pull", "demo-main-3a65ba5")]
    [InlineData("history")]
    [InlineData("nodes", "build", "node-a")]
    [InlineData("dns-gate", "--nameserver", "127.0.0.1:9")]
    [InlineData("node", "list", "--offline")]
    public async Task Commands_PlanOfANewerFormat_OneClearErrorNamingTheFileAndTheFix(params string[] command)
    {
        using var repo = new TempDir();
        foreach (var part in new[] { "provider.yaml", "nodes/node-a/node.yaml", "nodes/node-b/node.yaml", "generated/plan.json", "generated/state.json" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(repo.Path, part))!);
            File.Copy(Path.Combine(RepoPaths.Root, part), Path.Combine(repo.Path, part));
        }

        var planFile = Path.Combine(repo.Path, "generated", "plan.json");
        File.WriteAllText(planFile, File.ReadAllText(planFile).Replace("\"planFormat\": 1", "\"planFormat\": 999", StringComparison.Ordinal));

        var result = await CliRunner.RunAsync(["--dir", repo.Path, .. command]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("generated/plan.json: error HP2012 [$.planFormat]: planFormat 999 is newer than this hostenv-provider reads", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanLookup_Pattern_CatchesTheFormsItIsFor()
    {
        Assert.Matches(PlanLookup(), """var e = plan["environments"] as JsonObject;""");
        Assert.Matches(PlanLookup(), """x = fleet.Plan["nodes"]?[node]?["environments"];""");
        Assert.Matches(PlanLookup(), """if (spec?["app"]?["run"] is null)""");
        Assert.DoesNotMatch(PlanLookup(), """var e = plan.Environments[user];""");
    }
}
