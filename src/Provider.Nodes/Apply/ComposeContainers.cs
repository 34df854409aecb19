using System.Collections.Immutable;
using System.Globalization;
using Provider.Nodes.Remote;

namespace Provider.Nodes.Apply;

/// <summary>
/// One container of a compose project as Docker reports it: its project (&lt;userName&gt;-&lt;slot&gt;) and service, state
/// ("running", "exited", ...), the health of its healthcheck (null without one), the image as configured (a tag, a
/// digest reference or an image ID) and the image's ID.
/// </summary>
public sealed record ComposeContainer(string Project, string Service, string Name, string State, string? Health, string Image, string ImageId, int ExitCode)
{
    /// <summary>The 12 hex digits Docker shows for an image ID.</summary>
    public string ShortImageId => ComposeContainers.ShortId(ImageId);

    /// <summary>Running, and healthy or without a verdict yet ("starting") or without a healthcheck.</summary>
    public bool Ok => State == "running" && Health is null or "healthy" or "starting";

    /// <summary>What is wrong with it, for a summary: "web exited (137)", "web unhealthy"; null when <see cref="Ok"/>.</summary>
    public string? Problem => State != "running"
        ? $"{Service} {State}{(State == "exited" ? $" ({ExitCode.ToString(CultureInfo.InvariantCulture)})" : "")}"
        : Health == "unhealthy" ? $"{Service} unhealthy" : null;
}

/// <summary>
/// The containers of compose projects on a node, read by the shell function compose_containers (Remote/compose-containers.sh)
/// inside another script's round trip: one reading and one parser for whoever needs them (status).
/// </summary>
public static class ComposeContainers
{
    /// <summary>The POSIX sh function compose_containers; prepended to the scripts that call it.</summary>
    public static string Functions { get; } = RemoteScripts.Body("compose-containers.sh");

    /// <summary>The "container" lines of a script's output, sorted by project, service and name; other lines are skipped.</summary>
    public static ImmutableArray<ComposeContainer> Parse(string text) =>
    [
        .. text.Split('\n').Where(l => l.StartsWith("container\t", StringComparison.Ordinal)).Select(l => l.TrimEnd('\r').Split('\t')).Where(p => p.Length >= 9)
            .Select(p => new ComposeContainer(p[1], p[2], p[3].TrimStart('/'), p[4], p[5].Length > 0 ? p[5] : null, p[6], p[7],
                int.TryParse(p[8], NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : 0))
            .OrderBy(c => c.Project, StringComparer.Ordinal).ThenBy(c => c.Service, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal),
    ];

    /// <summary>The containers of an environment's slot (compose project &lt;userName&gt;-&lt;slot&gt;).</summary>
    public static ImmutableArray<ComposeContainer> OfSlot(IEnumerable<ComposeContainer> containers, string user, string slot) =>
        [.. containers.Where(c => c.Project == EnvironmentStage.ComposeProject(user, slot))];

    /// <summary>
    /// One word for the live slot's containers, as status shows it in place of an app's unit state: "running", the
    /// problems ("web exited (1), worker unhealthy") or "no containers".
    /// </summary>
    public static string Summary(IReadOnlyCollection<ComposeContainer> live) =>
        live.Count == 0 ? "no containers"
        : live.All(c => c.Ok) ? "running"
        : string.Join(", ", live.Select(c => c.Problem).OfType<string>());

    /// <summary>"sha256:0123456789abcdef…" → "0123456789ab".</summary>
    public static string ShortId(string id)
    {
        var hex = id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id;
        return hex.Length > 12 ? hex[..12] : hex;
    }
}
