using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Provider.Monitor.Web.Query;

namespace Provider.Monitor.Web.Api;

/// <summary>Problem bodies (RFC 9457, application/problem+json) for the API's 400 and 404 answers.</summary>
public static class ApiProblems
{
    /// <summary>400 naming the first bad parameter, what is wrong and an example; "problems" lists them all.</summary>
    public static ProblemHttpResult BadParameters(IReadOnlyList<ParameterProblem> problems)
    {
        var first = problems[0];
        var details = new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = $"Invalid query parameter '{first.Parameter}'",
            Detail = first.Problem,
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        };
        details.Extensions["parameter"] = first.Parameter;
        details.Extensions["example"] = first.Example;
        details.Extensions["problems"] = problems;
        return TypedResults.Problem(details);
    }

    public static ProblemHttpResult UnknownNode(string node)
    {
        var details = new ProblemDetails
        {
            Status = StatusCodes.Status404NotFound,
            Title = "Unknown node",
            Detail = $"No node named '{node}' has been collected. GET /api/fleet lists the nodes.",
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        };
        details.Extensions["node"] = node;
        return TypedResults.Problem(details);
    }
}
