using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Provider.Monitor.Web.Query;

namespace Provider.Monitor.Web.Api;

/// <summary>GET /api/history (deploys) and GET /api/rates (requests and 5xx per minute).</summary>
public static class HistoryApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/history", GetHistoryAsync);
        api.MapGet("/rates", GetRatesAsync);
    }

    private static Task<Results<Ok<HistoryResponse>, ProblemHttpResult>> GetHistoryAsync(HttpRequest request, MonitorServices m, CancellationToken ct) =>
        ApiFilters.AnswerAsync(
            m,
            MonitorQueries.History(request.Query, m.Now),
            q => q.Node,
            async q => new HistoryResponse(await m.Store.GetHistoryAsync(q.Node, q.Environment, q.Limit, ct)),
            ct);

    private static Task<Results<Ok<RatesResponse>, ProblemHttpResult>> GetRatesAsync(HttpRequest request, MonitorServices m, CancellationToken ct) =>
        ApiFilters.AnswerAsync(
            m,
            MonitorQueries.Rates(request.Query, m.Now),
            q => q.Node,
            async q => new RatesResponse(q.Node, q.Vhost, q.Since, await m.Store.GetRequestRatesAsync(q.Node, q.Vhost, q.Since, ct)),
            ct);
}
