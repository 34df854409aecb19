using Provider.Monitor.Storage;
using Provider.Monitor.Web.Api;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>/: every node with its environments and certificates.</summary>
public static class FleetPage
{
    public static async Task<Page> RenderAsync(MonitorServices m, CancellationToken ct)
    {
        var nodes = await m.Store.GetFleetAsync(ct);
        var body = nodes.IsDefaultOrEmpty
            ? H($"""<p class="none">No node has been collected yet. This page updates by itself when the first cycle is stored.</p>""")
            : H($"""{nodes.Select(n => NodeSection(n, m))}""");
        return new Page("Fleet", Section.Fleet, H($"""
            <h1>Fleet</h1>
            {Summary(FleetSummary.From(nodes))}
            {body}
            """));
    }

    private static Markup Summary(FleetSummary s)
    {
        var counts = new (Health Health, int Count)[]
        {
            (Health.Healthy, s.Environments.Healthy),
            (Health.Degraded, s.Environments.Degraded),
            (Health.Down, s.Environments.Down),
            (Health.Unknown, s.Environments.Unknown),
            (Health.NotDeployed, s.Environments.NotDeployed),
        };
        return H($"""
            <p class="summary" data-summary="true">
            {s.Nodes} nodes, {s.Unreachable} unreachable. Environments:
            {counts.Where(c => c.Count > 0).Select(c => H($"""<span class="count">{c.Count} {Format.HealthBadge(c.Health)}</span> """))}
            </p>
            """);
    }

    private static Markup NodeSection(NodeSnapshot n, MonitorServices m)
    {
        var id = "node-" + n.Node;
        return H($"""
            <section class="node" data-node="{n.Node}" data-reachable="{(n.Reachable ? "true" : "false")}" aria-labelledby="{id}">
            <h2 id="{id}"><a href="/nodes/{Uri.EscapeDataString(n.Node)}">{n.Node}</a> {NodeSummary.Reachability(n)}</h2>
            {NodeSummary.Facts(n, m)}
            {EnvironmentTable.Render(n.Node, n.Environments, m.Now)}
            {(n.Certificates.IsDefaultOrEmpty ? Empty : CertificateTable.Render(n.Node, n.Certificates, m.Now))}
            </section>
            """);
    }
}
