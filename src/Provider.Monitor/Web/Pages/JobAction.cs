using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Primitives;
using Provider.Monitor.Jobs;

namespace Provider.Monitor.Web.Pages;

/// <summary>
/// What a dashboard button asks for, read from its query (the confirmation page) or its form (the POST): a deploy
/// of one environment or node, or a rollback of an environment to a release (empty: the previous good one) or of a
/// node to a generation number.
/// </summary>
public sealed record JobAction(JobKind Kind, string? Environment, string? Node, string? To)
{
    public const int MaxReason = 500;

    public JobRequest Request => new(
        Kind,
        Environment is null ? [] : [Environment],
        Node is null ? [] : [Node],
        To);

    /// <summary>Where "Back" goes: the environment's or the node's page.</summary>
    public string BackUrl => Environment is not null
        ? "/envs/" + Uri.EscapeDataString(Environment)
        : "/nodes/" + Uri.EscapeDataString(Node ?? string.Empty);

    public string Verb => Kind == JobKind.Rollback ? "rollback" : "deploy";

    /// <summary>The action, or a sentence saying what is missing.</summary>
    public static (JobAction? Action, string? Problem) Read(JobKind kind, Func<string, StringValues> field)
    {
        var env = Single(field("env"));
        var node = Single(field("node"));
        var to = Single(field("to"));
        if ((env is null) == (node is null))
        {
            return (null, "Name exactly one environment (env=) or one node (node=).");
        }

        if (kind == JobKind.Deploy)
        {
            return (new JobAction(kind, env, node, null), null);
        }

        if (node is not null && !int.TryParse(to, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return (null, "A node rolls back to a generation: choose its number.");
        }

        return (new JobAction(kind, env, node, to), null);
    }

    private static string? Single(StringValues values) =>
        values.Count == 1 && values[0] is { } v && v.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    public ImmutableArray<(string Name, string Value)> Fields() =>
    [
        .. Environment is null ? [] : new[] { ("env", Environment) },
        .. Node is null ? [] : new[] { ("node", Node) },
        .. To is null ? [] : new[] { ("to", To) },
    ];
}
