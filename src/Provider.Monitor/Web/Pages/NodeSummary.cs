using Provider.Monitor.Storage;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>A node's key facts in a few words: reachability, collection time, generation, load, memory, disk.</summary>
public static class NodeSummary
{
    public static Markup Reachability(NodeSnapshot n) => n.Reachable
        ? H($"""<span class="badge reach-yes"><span aria-hidden="true">✓</span> reachable</span>""")
        : H($"""<span class="badge reach-no"><span aria-hidden="true">✕</span> unreachable</span>""");

    public static Markup Facts(NodeSnapshot n, MonitorServices m)
    {
        var now = m.Now;
        var stale = now - n.CollectedAt > m.Options.Interval * 3
            ? H($""" <span class="badge stale">stale</span>""")
            : Empty;
        var error = n.Error is null ? Empty : H($"""<p class="node-error"><strong>Error:</strong> {n.Error}</p>""");
        return H($"""
            <dl class="facts">
            <div><dt>Last collected</dt><dd>{Format.Time(n.CollectedAt, now)}{stale}</dd></div>
            <div><dt>Generation</dt><dd>{Generation(n)}</dd></div>
            <div><dt>Load (1, 5, 15 min)</dt><dd>{Format.Number(n.Load1)} {Format.Number(n.Load5)} {Format.Number(n.Load15)}</dd></div>
            <div><dt>Memory used</dt><dd>{Format.Usage(n.MemTotalBytes, n.MemAvailableBytes, Format.Bytes)}</dd></div>
            <div><dt>Disk used</dt><dd>{Format.Usage(n.DiskTotalBytes, n.DiskFreeBytes, Format.Bytes)}</dd></div>
            </dl>
            {error}
            """);
    }

    private static Markup Generation(NodeSnapshot n) => n.GenerationNumber is { } number
        ? H($"""{number} <code>{Format.Text(n.Generation)}</code>""")
        : H($"""<code>{Format.Text(n.Generation)}</code>""");
}
