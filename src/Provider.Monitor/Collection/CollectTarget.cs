using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Provider.Nodes.Apply;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Monitor.Collection;

/// <summary>An environment the collector looks at on its node.</summary>
public sealed record CollectedEnvironment(string UserName, string Kind, string HealthPath);

/// <summary>A vhost the collector reads logs (and, with TLS, the certificate) of.</summary>
public sealed record CollectedVhost(string Name, string Owner, bool Tls, string AccessLog, string ErrorLog)
{
    public CollectedVhost(string name, string owner, bool tls)
        : this(name, owner, tls, HostenvPaths.AccessLog(name), HostenvPaths.ErrorLog(name))
    {
    }
}

/// <summary>What one node's cycle covers, taken from the plan (pure: tests build it by hand).</summary>
public sealed record CollectTarget(string Node, ImmutableArray<CollectedEnvironment> Environments, ImmutableArray<CollectedVhost> Vhosts)
{
    /// <summary>Cursor key of the journal of all hostenv units.</summary>
    public const string JournalKey = "journal";

    public static string FileKey(string kind, string vhost) => kind + ":" + vhost;

    public static CollectTarget From(FleetPlan plan, string node)
    {
        var n = plan.Nodes[node];
        return new CollectTarget(node,
            [.. n.Environments.Select(e => plan.Environments[e]).Select(e => new CollectedEnvironment(e.UserName,
                e.App?.RunsInSlots == true ? "app" : e.App?.Static is not null ? "static" : "none", e.App?.HealthCheck?.Path ?? "/"))],
            [.. n.VirtualHosts.Values.Select(v => new CollectedVhost(v.Name, v.Owner, v.EnableAcme || v.ForceSsl))]);
    }

    /// <summary>The collect script's stdin (see collect.sh): the budget, the cursors and what to look at.</summary>
    public string Request(ImmutableSortedDictionary<string, string> cursors, long budgetBytes, DateTimeOffset journalSince)
    {
        var sb = new StringBuilder();
        void Line(params string[] fields) => sb.Append(string.Join('\t', fields.Select(f => f.Length == 0 ? "-" : f))).Append('\n');
        Line("budget", budgetBytes.ToString(CultureInfo.InvariantCulture));
        Line("since", journalSince.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        Line("journal", cursors.GetValueOrDefault(JournalKey, ""));
        foreach (var e in Environments)
        {
            Line("env", e.UserName, EnvironmentStage.EnvDir(e.UserName), EnvironmentStage.AppUnit(e.UserName, "SLOT"), HostenvPaths.UpstreamSocket(e.UserName), e.HealthPath);
        }

        foreach (var v in Vhosts)
        {
            Line("vhost", v.Name, v.Tls ? $"{Provider.Planning.Render.NodeRenderer.CertRoot}/{v.Name}" : "",
                v.AccessLog, cursors.GetValueOrDefault(FileKey("access", v.Name), ""),
                v.ErrorLog, cursors.GetValueOrDefault(FileKey("error", v.Name), ""), cursors.GetValueOrDefault(FileKey("cert", v.Name), ""));
        }

        return sb.ToString();
    }

    /// <summary>The environment a journal unit belongs to (hostenv-&lt;user&gt;-…), the longest matching user name; null for node units.</summary>
    public string? EnvironmentOfUnit(string unit) =>
        Environments.Where(e => unit.StartsWith("hostenv-" + e.UserName + "-", StringComparison.Ordinal))
            .MaxBy(e => e.UserName.Length)?.UserName;
}
