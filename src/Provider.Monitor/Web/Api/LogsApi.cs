using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Query;

namespace Provider.Monitor.Web.Api;

/// <summary>GET /api/logs: full-text search with filters, newest first, paged with before=nextBeforeId.</summary>
public static class LogsApi
{
    public static void Map(RouteGroupBuilder api) => api.MapGet("/logs", SearchAsync);

    private static Task<Results<Ok<LogPage>, ProblemHttpResult>> SearchAsync(HttpRequest request, MonitorServices m, CancellationToken ct) =>
        ApiFilters.AnswerAsync(m, MonitorQueries.Logs(request.Query, m.Now), q => q.Node, q => m.Store.SearchLogsAsync(q, ct), ct);
}
