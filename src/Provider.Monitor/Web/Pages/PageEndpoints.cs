using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Provider.Monitor.Web.Pages;

/// <summary>
/// The dashboard's pages. A request with the header "X-Partial: 1" (sent by monitor.js on live updates) gets only
/// the content of &lt;main&gt;.
/// </summary>
public static class PageEndpoints
{
    public const string PartialHeader = "X-Partial";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/", (HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, FleetPage.RenderAsync(m, ct)));
        pages.MapGet("/nodes/{node}", (string node, HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, NodePage.RenderAsync(m, node, ct)));
        pages.MapGet("/envs/{env}", (string env, HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, EnvPage.RenderAsync(m, env, ct)));
        pages.MapGet("/logs", (HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, LogsPage.RenderAsync(m, http.Request.Query, ct)));
        pages.MapGet("/history", (HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, HistoryPage.RenderAsync(m, http.Request.Query, ct)));
    }

    private static async Task<IResult> RenderAsync(HttpContext http, MonitorServices m, Task<Page> render)
    {
        var page = await render;
        var partial = http.Request.Headers[PartialHeader] == "1";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Vary = PartialHeader;
        var html = partial ? page.Main : Layout.Document(page, m);
        return TypedResults.Content(html.Value, "text/html; charset=utf-8", statusCode: page.Status);
    }
}
