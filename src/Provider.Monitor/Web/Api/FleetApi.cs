using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Provider.Monitor.Web.Api;

/// <summary>GET /api/fleet and GET /api/nodes/{node}.</summary>
public static class FleetApi
{
    /// <summary>How many recent snapshots /api/nodes/{node} returns as resource history.</summary>
    public const int ResourceHistory = 120;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/fleet", GetFleetAsync);
        api.MapGet("/nodes/{node}", GetNodeAsync);
    }

    private static async Task<Ok<FleetResponse>> GetFleetAsync(MonitorServices m, CancellationToken ct) =>
        TypedResults.Ok(FleetResponse.From(await m.Store.GetFleetAsync(ct), m.Now, m.Options.Interval));

    private static async Task<Results<Ok<NodeResponse>, ProblemHttpResult>> GetNodeAsync(string node, MonitorServices m, CancellationToken ct)
    {
        var history = await m.Store.GetNodeHistoryAsync(node, ResourceHistory, ct);
        if (history.IsDefaultOrEmpty)
        {
            return ApiProblems.UnknownNode(node);
        }

        return TypedResults.Ok(new NodeResponse(history[0], [.. history.Select(ResourcePoint.From)]));
    }
}
