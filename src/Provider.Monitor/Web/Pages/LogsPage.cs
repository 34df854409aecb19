using System.Collections.Immutable;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Html;
using Provider.Monitor.Web.Query;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>
/// /logs: the search form (GET, the same parameters as /api/logs) and the hits, newest first, with an "older"
/// link. Live updates refresh the first page only while the form is as loaded (monitor.js checks), never an
/// older page, so they never overwrite what the user is typing.
/// </summary>
public static class LogsPage
{
    public static async Task<Page> RenderAsync(MonitorServices m, IQueryCollection query, CancellationToken ct)
    {
        var parsed = MonitorQueries.Logs(query, m.Now);
        var fleet = await m.Store.GetFleetAsync(ct);
        var form = Form(query, [.. fleet.Select(n => n.Node)]);
        if (!parsed.Ok)
        {
            return new Page("Logs", Section.Logs, H($"""
                <h1>Logs</h1>
                {Problems(parsed.Problems)}
                {form}
                """), Status: 400, Live: "off");
        }

        var page = await m.Store.SearchLogsAsync(parsed.Value, ct);
        var older = page.NextBeforeId is { } before
            ? H($"""<p class="pager"><a href="/logs{WithBefore(query, before)}" rel="next">Older lines</a></p>""")
            : Empty;
        var newest = parsed.Value.BeforeId is null ? Empty : H($"""<p class="pager"><a href="/logs{WithBefore(query, null)}">Newest lines</a></p>""");
        return new Page("Logs", Section.Logs, H($"""
            <h1>Logs</h1>
            {form}
            <h2>Results</h2>
            {newest}
            {LogTable.Render(page.Hits.Length == 1 ? "1 log line" : $"{page.Hits.Length} log lines, newest first", page.Hits)}
            {older}
            """), Live: parsed.Value.BeforeId is null ? "form" : "off");
    }

    /// <summary>What was wrong with the query, as an alert above the form (also used by the history page).</summary>
    public static Markup Problems(IReadOnlyList<ParameterProblem> problems) => H($"""
        <div class="problems" role="alert">
        <p>The search could not run:</p>
        <ul>{problems.Select(p => H($"""<li><strong>{p.Parameter}</strong>: {p.Problem} For example <code>{p.Example}</code>.</li>"""))}</ul>
        </div>
        """);

    private static Markup Form(IQueryCollection query, ImmutableArray<string> nodes)
    {
        string Raw(string name) => query[name].ToString();
        var node = Raw("node");
        var level = Raw("level");
        var nodeOptions = nodes.Select(n => Option(n, n, n == node));
        var levelOptions = QueryReader.AllLevelNames.Select((name, i) =>
            Option(i.ToString(CultureInfo.InvariantCulture), $"{name} ({i}) and more severe", level == name || level == i.ToString(CultureInfo.InvariantCulture)));
        return H($"""
            <form class="search" method="get" action="/logs" role="search" data-live-form="true">
            <div class="field wide"><label for="q">Text</label><input id="q" name="q" type="search" value="{Raw("q")}" aria-describedby="q-hint"><small id="q-hint">All words must occur.</small></div>
            <div class="field"><label for="node">Node</label><select id="node" name="node"><option value="">any node</option>{nodeOptions}</select></div>
            <div class="field"><label for="env">Environment</label><input id="env" name="env" type="text" value="{Raw("env")}"></div>
            <div class="field"><label for="source">Source</label><input id="source" name="source" type="text" value="{Raw("source")}" aria-describedby="source-hint"><small id="source-hint">journal:unit, nginx-access:vhost, nginx-error:vhost</small></div>
            <div class="field"><label for="level">Level</label><select id="level" name="level"><option value="">any level</option>{levelOptions}</select></div>
            <div class="field"><label for="since">Since</label><input id="since" name="since" type="text" value="{Raw("since")}" aria-describedby="since-hint"><small id="since-hint">15m, 1h, 2d or 2025-01-31T12:00:00Z</small></div>
            <div class="field actions"><button type="submit">Search</button></div>
            </form>
            """);
    }

    private static Markup Option(string value, string label, bool selected) => selected
        ? H($"""<option value="{value}" selected>{label}</option>""")
        : H($"""<option value="{value}">{label}</option>""");

    private static QueryString WithBefore(IQueryCollection query, long? before)
    {
        var pairs = query
            .Where(p => p.Key != "before")
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)))
            .ToList();
        if (before is { } id)
        {
            pairs.Add(new("before", id.ToString(CultureInfo.InvariantCulture)));
        }

        return QueryString.Create(pairs);
    }
}
