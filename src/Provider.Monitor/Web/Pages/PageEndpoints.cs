using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Provider.Monitor.Web.Auth;

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
        pages.MapGet("/", (HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, _ => FleetPage.RenderAsync(m, ct)));
        pages.MapGet("/nodes/{node}", (string node, HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, v => NodePage.RenderAsync(m, v, node, ct)));
        pages.MapGet("/envs/{env}", (string env, HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, v => EnvPage.RenderAsync(m, v, env, ct)));
        pages.MapGet("/logs", (HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, _ => LogsPage.RenderAsync(m, http.Request.Query, ct)));
        pages.MapGet("/history", (HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, _ => HistoryPage.RenderAsync(m, http.Request.Query, ct)));
        pages.MapGet("/jobs", (HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, _ => JobsPage.RenderAsync(m, ct)));
        pages.MapGet("/jobs/{id}", (string id, HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, v => JobPage.RenderAsync(m, v, id, ct)));
        pages.MapGet("/audit", (HttpContext http, MonitorServices m, CancellationToken ct) => RenderAsync(http, m, _ => AuditPage.RenderAsync(m, ct)))
            .RequireAuthorization(MonitorPolicies.Admin);
    }

    public static async Task<IResult> RenderAsync(HttpContext http, MonitorServices m, Func<Viewer, Task<Page>> render)
    {
        var viewer = Viewer.From(http);
        return Result(http, m, viewer, await render(viewer));
    }

    /// <summary>The page as the whole document, or only its main for a live update.</summary>
    public static IResult Result(HttpContext http, MonitorServices m, Viewer viewer, Page page)
    {
        var partial = http.Request.Headers[PartialHeader] == "1";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Vary = PartialHeader;
        var html = partial ? page.Main : Layout.Document(page, m, viewer);
        return TypedResults.Content(html.Value, "text/html; charset=utf-8", statusCode: page.Status);
    }

    /// <summary>For answers written outside an endpoint (refusals from the authorization and antiforgery checks).</summary>
    public static Task WriteAsync(HttpContext http, Page page) =>
        Result(http, http.RequestServices.GetRequiredService<MonitorServices>(), Viewer.From(http), page).ExecuteAsync(http);

    /// <summary>After a POST: 303, so the browser follows with GET and a reload does not send the form again.</summary>
    public static IResult SeeOther(string location) => new SeeOtherResult(location);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
