using System.Collections.Immutable;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Auth;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>/nodes/{node}: resources, request charts, environments, failed units, generations, certificates, deploys.</summary>
public static class NodePage
{
    private const int Snapshots = 60;

    public static async Task<Page> RenderAsync(MonitorServices m, Viewer viewer, string node, CancellationToken ct)
    {
        var snapshots = await m.Store.GetNodeHistoryAsync(node, Snapshots, ct);
        if (snapshots.IsDefaultOrEmpty)
        {
            return NotFoundPage.Render("node", node);
        }

        var now = m.Now;
        var since = now.AddHours(-1);
        var rates = await m.Store.GetRequestRatesAsync(node, null, since, ct);
        var deploys = await m.Store.GetHistoryAsync(node, null, 50, ct);
        var n = snapshots[0];
        var actions = ActionForms.ForNode(m, viewer, node, n.Generations);
        return new Page($"Node {node}", Section.None, H($"""
            <h1>Node {node} {NodeSummary.Reachability(n)}</h1>
            {NodeSummary.Facts(n, m)}
            {actions}
            <h2>Resources</h2>
            {Resources(n, snapshots)}
            <h2>Requests in the last hour</h2>
            {Charts.RequestRates(rates, since, now)}
            <h2>Environments</h2>
            {EnvironmentTable.Render(node, n.Environments, now)}
            <h2>Failed units</h2>
            {FailedUnits(n.FailedUnits)}
            <h2>Generations</h2>
            {Generations(n.Generations)}
            <h2>Certificates</h2>
            {CertificateTable.Render(node, n.Certificates, now)}
            <h2>Deploy history</h2>
            {DeployTable.Render($"Deploys on {node}, newest first", deploys, now)}
            """), Live: viewer.CanAct(m) ? "form" : "on");
    }

    private static Markup Resources(NodeSnapshot n, ImmutableArray<NodeSnapshot> snapshots)
    {
        var loads = snapshots.Reverse().Where(s => s.Load1 is not null).Select(s => s.Load1 ?? 0).ToList();
        var spark = Charts.Sparkline(loads, $"1-minute load over the last {loads.Count} collections");
        Markup[] rows =
        [
            H($"""<tr><th scope="row">Load (1, 5, 15 min)</th><td>{Format.Number(n.Load1)} {Format.Number(n.Load5)} {Format.Number(n.Load15)}</td><td>{spark}</td></tr>"""),
            H($"""<tr><th scope="row">Memory</th><td>{Format.Usage(n.MemTotalBytes, n.MemAvailableBytes, Format.Bytes)}</td><td></td></tr>"""),
            H($"""<tr><th scope="row">Disk</th><td>{Format.Usage(n.DiskTotalBytes, n.DiskFreeBytes, Format.Bytes)}</td><td></td></tr>"""),
            H($"""<tr><th scope="row">Inodes</th><td>{Format.Usage(n.InodesTotal, n.InodesFree, Format.Count)}</td><td></td></tr>"""),
        ];
        return HtmlTable.Render("resources", "Resources at the last collection", ["Resource", "Use", "Recent"], rows, r => r, "No resources.");
    }

    private static Markup FailedUnits(ImmutableArray<string> units) => units.IsDefaultOrEmpty
        ? HtmlTable.None("None.")
        : H($"""<ul class="failed-units">{units.Select(u => H($"""<li><code>{u}</code></li>"""))}</ul>""");

    private static Markup Generations(ImmutableArray<GenerationEntry> generations) => HtmlTable.Render<GenerationEntry>(
        "generations",
        "System generations, the current one marked",
        ["Number", "Id", "Current"],
        generations.IsDefault ? [] : [.. generations.OrderByDescending(g => g.Number)],
        Generation,
        "No generations listed.");

    private static Markup Generation(GenerationEntry g) => g.Current
        ? H($"""<tr class="current" data-current="true"><th scope="row">{g.Number}</th><td><code>{g.Id}</code></td><td><strong>current</strong></td></tr>""")
        : H($"""<tr><th scope="row">{g.Number}</th><td><code>{g.Id}</code></td><td></td></tr>""");
}
