using System.Collections.Immutable;
using Provider.Planning.Model;
using Provider.Planning.Plan;

namespace Provider.Monitor.Push;

/// <summary>The git projects of provider.yaml that follow a pushed ref, and their enabled environments in the plan (userNames).</summary>
public sealed record PushMatch(ImmutableArray<string> Projects, ImmutableArray<string> Environments)
{
    public bool IsEmpty => Environments.IsEmpty;
}

/// <summary>Which projects and environments a push concerns: a project whose git URL is one of the pushed repository's URLs (<see cref="GitUrl"/>) and whose ref is the pushed ref.</summary>
public static class PushMatcher
{
    public static PushMatch Match(ProviderConfig config, FleetPlan plan, IReadOnlyCollection<string> repositories, string pushedRef)
    {
        var projects = config.Projects
            .Where(p => p.Git is { } git && repositories.Any(r => GitUrl.Same(r, git)) && GitUrl.SameRef(pushedRef, p.Ref))
            .Select(p => p.Name).Order(StringComparer.Ordinal).ToImmutableArray();
        var environments = plan.Environments.Values
            .Where(e => e.Enable && projects.Contains(e.ProjectName, StringComparer.Ordinal))
            .Select(e => e.UserName).Order(StringComparer.Ordinal).ToImmutableArray();
        return new PushMatch(projects, environments);
    }
}
