using System.Text.Json.Nodes;
using Provider.Nodes.Fleet;
using Provider.Nodes.Repository;
using Provider.Nodes.Ssh;
using Provider.Planning.Model;

namespace Provider.Cli.Commands;

/// <summary>What the read-side commands (status, history, secrets, rollback) share: the plan, the nodes, a connection.</summary>
public sealed class FleetAccess(string repoDir, string? identity)
{
    private readonly ProviderRepository repo = new(repoDir);
    private (System.Collections.Immutable.ImmutableArray<NodeConfig> Nodes, string DeployUser)? inventory;
    private string? key;
    private JsonObject? plan;

    /// <summary>generated/plan.json, read on first use (rolling a node back needs only node.yaml).</summary>
    public JsonObject Plan => plan ??= LoadPlan(repoDir);

    public JsonObject Environments => Plan["environments"] as JsonObject ?? [];

    public IReadOnlyList<string> Nodes => [.. (Plan["nodes"] as JsonObject ?? []).Select(n => n.Key).Order(StringComparer.Ordinal)];

    /// <summary>generated/plan.json for the commands that act on it (deploy, dns-gate, nodes build and the ones above).</summary>
    public static JsonObject LoadPlan(string repoDir)
    {
        var text = new ProviderRepository(repoDir).ReadText(ProviderRepository.PlanFile)
            ?? throw new UserException($"no {ProviderRepository.PlanFile}: run `hostenv-provider plan` first");
        return JsonNode.Parse(text.Text) as JsonObject ?? throw new UserException($"{ProviderRepository.PlanFile} is not a JSON object; re-run `hostenv-provider plan`");
    }

    /// <summary>The environment's userName and its node, from a userName or project/environment.</summary>
    public (string User, string Node, JsonObject Spec) Environment(string name)
    {
        var user = DeployCommand.FindEnvironment(Environments, name);
        var spec = (JsonObject)Environments[user]!;
        var node = spec["node"]?.GetValue<string>() ?? throw new UserException($"{user} has no node in the plan (disabled?)");
        return (user, node, spec);
    }

    public NodeConfig Config(string node)
    {
        inventory ??= Load();
        return inventory.Value.Nodes.FirstOrDefault(c => c.Name == node) ?? throw new UserException($"node '{node}' has no valid nodes/{node}/node.yaml");
    }

    public SshTarget Target(string node)
    {
        inventory ??= Load();
        return NodeInventory.Target(Config(node), inventory.Value.DeployUser);
    }

    public string Key => key ??= SshKeyLocator.Locate(identity);

    public Task<SshNodeSession> ConnectAsync(string node, CancellationToken ct) => SshNodeSession.ConnectAsync(Target(node), Key, ct);

    private (System.Collections.Immutable.ImmutableArray<NodeConfig>, string) Load()
    {
        var (nodes, deployUser, _) = NodeInventory.Load(repo);
        return (nodes, deployUser);
    }
}
