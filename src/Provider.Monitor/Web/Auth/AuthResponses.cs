using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Provider.Monitor.Auth;
using Provider.Monitor.Web.Pages;

namespace Provider.Monitor.Web.Auth;

/// <summary>
/// What a refused request gets: API clients (/api, a Bearer header, or monitor.js's live refresh) a problem body,
/// a person in a browser a page or a redirect to /login.
/// </summary>
internal static class AuthResponses
{
    public const string Realm = "hostenv-provider";

    public static bool IsApiClient(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
        || http.Request.Path.StartsWithSegments("/hooks", StringComparison.Ordinal) // git hooks and webhooks: machines, never a login page
        || BearerTokenHandler.HasBearer(http.Request)
        || http.Request.Headers[PageEndpoints.PartialHeader] == "1";

    /// <summary>401 with WWW-Authenticate: Bearer, or a redirect to the login page that comes back here.</summary>
    public static Task UnauthenticatedAsync(HttpContext http)
    {
        if (IsApiClient(http))
        {
            var invalid = BearerTokenHandler.HasBearer(http.Request);
            http.Response.Headers.WWWAuthenticate = invalid
                ? $"Bearer realm=\"{Realm}\", error=\"invalid_token\""
                : $"Bearer realm=\"{Realm}\"";
            var detail = invalid
                ? "The token is unknown or revoked."
                : http.RequestServices.GetRequiredService<MonitorServices>().Options.RequireAuthentication
                    ? "Send 'Authorization: Bearer <token>' (create one with: hostenv-provider token create NAME --scope read)."
                    : "This server has no API tokens, so it only serves reads; create one with: hostenv-provider token create NAME --scope deploy, then restart serve.";
            return ProblemAsync(http, StatusCodes.Status401Unauthorized, "Authentication required", detail, "https://tools.ietf.org/html/rfc9110#section-15.5.2");
        }

        var target = HttpMethods.IsGet(http.Request.Method) ? LocalUrl.Of(http.Request) : null;
        http.Response.Redirect(target is null ? "/login" : "/login?returnUrl=" + Uri.EscapeDataString(target));
        if (!HttpMethods.IsGet(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status303SeeOther;
        }

        return Task.CompletedTask;
    }

    /// <summary>403 naming the scope needed and the one the token has.</summary>
    public static Task ForbiddenAsync(HttpContext http, TokenScope needed)
    {
        var user = http.User;
        var detail = $"This needs a token with the {MonitorPolicies.For(needed)} scope; '{user.Identity?.Name}' has {MonitorPolicies.For(MonitorClaims.Scope(user) ?? TokenScope.Read)}.";
        return IsApiClient(http)
            ? ProblemAsync(http, StatusCodes.Status403Forbidden, "Insufficient scope", detail, "https://tools.ietf.org/html/rfc9110#section-15.5.4")
            : PageEndpoints.WriteAsync(http, MessagePage.Render("Not allowed", detail, StatusCodes.Status403Forbidden));
    }

    public static Task BadFormAsync(HttpContext http)
    {
        const string detail = "The request carried no valid antiforgery token: reload the page and submit the form again (scripts send the X-CSRF-Token header).";
        return IsApiClient(http)
            ? ProblemAsync(http, StatusCodes.Status400BadRequest, "Antiforgery token missing or invalid", detail, "https://tools.ietf.org/html/rfc9110#section-15.5.1")
            : PageEndpoints.WriteAsync(http, MessagePage.Render("Form expired", detail, StatusCodes.Status400BadRequest));
    }

    private static Task ProblemAsync(HttpContext http, int status, string title, string detail, string type) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail, Type = type }).ExecuteAsync(http);
}
