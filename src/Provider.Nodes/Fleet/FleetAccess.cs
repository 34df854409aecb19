using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Provider.Nodes.Engine;
using Provider.Nodes.Repository;
using Provider.Nodes.Ssh;
using Provider.Planning.Model;
using Provider.Planning.Plan;

namespace Provider.Nodes.Fleet;

/// <summary>
/// What every command and the fleet service share to act on a provider repo: the plan (typed, read and checked once),
/// the node inventory, the SSH key and connections to the nodes.
/// </summary>
public sealed class FleetAccess(string repoDir, string? identity)
{
    private readonly ProviderRepository repo = new(repoDir);
    private (ImmutableArray<NodeConfig> Nodes, string DeployUser)? inventory;
    private string? key;
    private (FleetPlan Plan, JsonObject Json)? plan;

    public string RepoDir => repoDir;

    /// <summary>generated/plan.json, read on first use (rolling a node back needs only node.yaml).</summary>
    public FleetPlan Plan => (plan ??= Load(repoDir)).Plan;

    /// <summary>The same file as JSON, for the node renderer and dns-gate, which work on the document itself.</summary>
    public JsonObject PlanJson => (plan ??= Load(repoDir)).Json;

    public IReadOnlyList<string> Nodes => [.. Plan.Nodes.Keys];

    /// <summary>
    /// Reads generated/plan.json and checks all of it (PlanReader): a missing, malformed or other-format file is one
    /// clear refusal that names the file and says to run `hostenv-provider plan`.
    /// </summary>
    public static (FleetPlan Plan, JsonObject Json) Load(string repoDir)
    {
        var text = new ProviderRepository(repoDir).ReadText(ProviderRepository.PlanFile)
            ?? throw new OperationRefusedException($"no {ProviderRepository.PlanFile}: run `hostenv-provider plan` first");
        return Parse(text.Text);
    }

    /// <summary>The plan file's text, checked by PlanReader, typed and as a document (see <see cref="Load"/>).</summary>
    public static (FleetPlan Plan, JsonObject Json) Parse(string text)
    {
        var read = PlanReader.Read(text);
        if (read.Plan is null || JsonNode.Parse(text) is not JsonObject json)
        {
            throw new OperationRefusedException(string.Join("\n", read.Problems.Select(p => p.Format())));
        }

        return (read.Plan, json);
    }

    /// <summary>An environment by userName, or by "project/environment" or "org__project/environment".</summary>
    public EnvironmentPlan Environment(string name)
    {
        var environments = Plan.Environments;
        if (environments.TryGetValue(name, out var exact))
        {
            return exact;
        }

        var matches = environments.Values.Where(e => name.Split('/') is [var project, var envName]
            && e.EnvironmentName == envName && (e.Project == project || e.ProjectName == project)).ToList();
        return matches.Count == 1 ? matches[0] : throw new OperationRefusedException(
            $"environment '{name}' is not in the plan; use a userName ({string.Join(", ", environments.Keys.Take(8))}{(environments.Count > 8 ? ", ..." : "")}) or project/environment");
    }

    /// <summary>An environment (as <see cref="Environment"/>) with its userName and node, as the node commands address it.</summary>
    public (string User, string Node, EnvironmentPlan Spec) Placed(string name)
    {
        var env = Environment(name);
        return (env.UserName, env.Node, env);
    }

    public NodeConfig Config(string node)
    {
        inventory ??= LoadInventory();
        return inventory.Value.Nodes.FirstOrDefault(c => c.Name == node) ?? throw new OperationRefusedException($"node '{node}' has no valid nodes/{node}/node.yaml");
    }

    /// <summary>How to log in to <paramref name="node"/>, as node.yaml says now (its pinned host key is the operator's current word).</summary>
    public SshTarget Target(string node)
    {
        inventory ??= LoadInventory();
        return NodeInventory.Target(Config(node), inventory.Value.DeployUser);
    }

    public string Key => key ??= SshKeyLocator.Locate(identity);

    public Task<SshNodeSession> ConnectAsync(string node, CancellationToken ct) => SshNodeSession.ConnectAsync(Target(node), Key, ct);

    /// <summary>
    /// A deploy's early login: from the plan's nodeConnections (the planner's copy of node.yaml), so it starts as soon as
    /// the plan is read and overlaps the stale check, which compares the plan with node.yaml before anything on a node
    /// changes (a changed pin makes the plan stale, and the deploy stops there). Parsing provider.yaml and every node.yaml
    /// first cost ~0.3-0.5 s before the login. Other commands connect with <see cref="ConnectAsync"/> (node.yaml).
    /// </summary>
    public Task<SshNodeSession> ConnectPlannedAsync(string node, CancellationToken ct) =>
        Plan.NodeConnections.TryGetValue(node, out var c)
            ? SshNodeSession.ConnectAsync(new SshTarget(node, c.Hostname, c.Port, c.User, c.HostKey), Key, ct)
            : ConnectAsync(node, ct);

    private (ImmutableArray<NodeConfig>, string) LoadInventory()
    {
        using var phase = Diagnostics.Timeline.Phase("node inventory (provider.yaml, node.yaml files)");
        var (nodes, deployUser, _) = NodeInventory.Load(repo);
        return (nodes, deployUser);
    }
}
