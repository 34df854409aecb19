using Microsoft.AspNetCore.Http;
using Provider.Monitor.Web.Query;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>/history: the fleet's deploys, newest first (node=, env=, limit= narrow it as in /api/history).</summary>
public static class HistoryPage
{
    public static async Task<Page> RenderAsync(MonitorServices m, IQueryCollection query, CancellationToken ct)
    {
        var parsed = MonitorQueries.History(query, m.Now);
        if (!parsed.Ok)
        {
            return new Page("Deploy history", Section.History, H($"""
                <h1>Deploy history</h1>
                {LogsPage.Problems(parsed.Problems)}
                """), Status: 400, Live: "off");
        }

        var (node, env, limit) = parsed.Value;
        var events = await m.Store.GetHistoryAsync(node, env, limit, ct);
        var scope = (node, env) switch
        {
            (null, null) => "the fleet",
            (_, null) => $"node {node}",
            (null, _) => $"environment {env}",
            _ => $"environment {env} on node {node}",
        };
        return new Page("Deploy history", Section.History, H($"""
            <h1>Deploy history</h1>
            <p>The most recent deploys and generation switches of {scope} (at most {limit}).</p>
            {DeployTable.Render($"Deploys of {scope}, newest first", events, m.Now)}
            """));
    }
}
