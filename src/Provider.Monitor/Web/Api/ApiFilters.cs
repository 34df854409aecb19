using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Provider.Monitor.Web.Query;

namespace Provider.Monitor.Web.Api;

internal static class ApiFilters
{
    /// <summary>
    /// The query endpoints' common path: 400 for bad parameters, 404 when the node filter names a node never
    /// collected (a typo would otherwise look like "no data"), else the answer.
    /// </summary>
    public static async Task<Results<Ok<TResponse>, ProblemHttpResult>> AnswerAsync<TQuery, TResponse>(
        MonitorServices m, Parsed<TQuery> query, Func<TQuery, string?> node, Func<TQuery, Task<TResponse>> answer, CancellationToken ct)
    {
        if (!query.Ok)
        {
            return ApiProblems.BadParameters(query.Problems);
        }

        if (node(query.Value) is { } name && await m.FindNodeAsync(name, ct) is null)
        {
            return ApiProblems.UnknownNode(name);
        }

        return TypedResults.Ok(await answer(query.Value));
    }
}
