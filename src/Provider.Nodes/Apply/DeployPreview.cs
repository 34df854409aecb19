using System.Collections.Immutable;
using Provider.Planning.Plan;
using Provider.Nodes.Ssh;
using Provider.Planning.Render;

namespace Provider.Nodes.Apply;

/// <summary>One environment to preview on a node: its plan entry and the release it would get.</summary>
public sealed record EnvironmentToPreview(string UserName, EnvironmentPlan Spec, ReleaseFiles Release);

/// <summary>
/// What a deploy would do on one node, read from the node without changing it: the system stage's preview and each
/// environment's. `deploy --dry-run` prints it; deploy's confirmation prints it, asks, and then hands
/// <see cref="Expectations"/> to the stages, which refuse whatever changed on the node since.
/// </summary>
public sealed record NodePreview(string Node, SystemPreview System, ImmutableArray<(string UserName, EnvironmentPreview Preview)> Environments)
{
    public bool Changes => System.Changes || Environments.Any(e => e.Preview.Changes);

    /// <summary>The block printed for the node: its name, then the system lines and one line per environment.</summary>
    public string Text => $"{Node}:\n" + string.Join("\n", System.Lines.Concat(Environments.Select(e => e.Preview.Line)).Select(l => "  " + l));

    public static async Task<NodePreview> ReadAsync(SshNodeSession session, NodeGeneration generation, IEnumerable<EnvironmentToPreview> environments, CancellationToken ct)
    {
        var system = await SystemStage.PreviewAsync(session, generation, ct);
        var envs = ImmutableArray.CreateBuilder<(string, EnvironmentPreview)>();
        foreach (var env in environments)
        {
            envs.Add((env.UserName, await EnvironmentStage.PreviewAsync(session, env.Spec, env.Release, ct)));
        }

        return new NodePreview(generation.Node, system, envs.ToImmutable());
    }
}

/// <summary>What a confirmed preview saw: per node its current generation, per environment its inspection token.</summary>
public sealed record DeployExpectations(ImmutableDictionary<string, string> NodeGenerations, ImmutableDictionary<string, string> Environments)
{
    public static DeployExpectations From(IEnumerable<NodePreview> previews)
    {
        var list = previews.ToList();
        return new DeployExpectations(
            list.ToImmutableDictionary(p => p.Node, p => p.System.Current, StringComparer.Ordinal),
            list.SelectMany(p => p.Environments).ToImmutableDictionary(e => e.UserName, e => e.Preview.Seen, StringComparer.Ordinal));
    }
}
