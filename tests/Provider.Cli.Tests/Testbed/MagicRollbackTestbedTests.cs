using System.Diagnostics;
using System.Text.Json.Nodes;
using Provider.Cli.Tests.Support;
using Provider.Nodes.Apply;
using Provider.Nodes.Ssh;
using Provider.Planning.Render;

namespace Provider.Cli.Tests.Testbed;

/// <summary>A lost confirmation: the node rolls itself back to the previous generation, with nobody connected.</summary>
[Collection(nameof(TestbedCollection))]
public sealed class MagicRollbackTestbedTests(TestbedEnvironment testbed)
{
    [Fact]
    public async Task SystemStage_ConfirmationNeverArrives_NodeRestoresPreviousGenerationByItself()
    {
        const string node = "node-b";
        var config = File.ReadAllLines(Path.Combine(testbed.ProviderRepo, "nodes", node, "node.yaml"));
        var hostKey = config.Single(l => l.StartsWith("hostKey:", StringComparison.Ordinal))["hostKey:".Length..].Trim().Trim('"');
        var target = new SshTarget(node, testbed.Address(node), 22, "deploy", hostKey);
        await using var session = await SshNodeSession.ConnectAsync(target, testbed.SshKey, CancellationToken.None);
        var before = (await session.RunAsync(RemoteCommand.Shell("readlink /var/lib/hostenv/current || true"), TimeSpan.FromSeconds(20), CancellationToken.None)).Stdout.Trim();

        // A generation that differs from whatever is current: the example plan's node-b.
        var plan = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "generated", "plan.json")))!;
        plan["nodes"]!["node-b"]!["users"] = new JsonObject { ["users"] = new JsonObject(), ["groups"] = new JsonObject() };
        var generation = NodeRenderer.Render(plan, node);

        // The confirming connection goes to a port where nothing listens: the fresh connection truly fails.
        var unreachable = target with { Port = 1 };
        var stage = new SystemStage(ct => SshNodeSession.ConnectAsync(unreachable, testbed.SshKey, ct), TimeSpan.FromSeconds(6), magicRollback: true, _ => { });
        var result = await stage.ApplyAsync(session, generation, CancellationToken.None);

        Assert.Equal(SystemOutcome.RolledBack, result.Outcome);
        var switched = (await session.RunAsync(RemoteCommand.Shell("readlink /var/lib/hostenv/current || true"), TimeSpan.FromSeconds(20), CancellationToken.None)).Stdout.Trim();
        Assert.EndsWith(generation.Id, switched, StringComparison.Ordinal);

        var sw = Stopwatch.StartNew();
        string now;
        do
        {
            await Task.Delay(500);
            now = (await session.RunAsync(RemoteCommand.Shell("readlink /var/lib/hostenv/current || true"), TimeSpan.FromSeconds(20), CancellationToken.None)).Stdout.Trim();
        }
        while (now != before && sw.Elapsed < TimeSpan.FromSeconds(40));

        Assert.Equal(before, now);

        // The watchdog switches the link, then reloads nginx: "reloading" for a moment, then active again.
        var state = "";
        for (var i = 0; i < 75; i++)
        {
            state = (await session.RunAsync(RemoteCommand.Exec("systemctl", "is-active", "nginx"), TimeSpan.FromSeconds(20), CancellationToken.None)).Stdout.Trim();
            if (state is not ("reloading" or "activating"))
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal("active", state);
    }
}
