using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Provider.Monitor.Auth;
using Provider.Monitor.Web.Pages;

namespace Provider.Monitor.Web.Auth;

/// <summary>
/// GET/POST /login (a token typed into a form becomes a session cookie), POST /logout, and GET /api/whoami. The
/// token's text is never logged or audited, only its name.
/// </summary>
public static class LoginEndpoints
{
    public const string TokenField = "token";
    public const string ReturnField = "returnUrl";

    /// <summary>Login and logout in their own group: not under the Pages group's "writes need Deploy" rule.</summary>
    public static RouteGroupBuilder Map(IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup(string.Empty);
        auth.MapGet("/login", Show).AllowAnonymous();
        auth.MapPost("/login", LoginAsync).AllowAnonymous();
        auth.MapPost("/logout", (Delegate)LogoutAsync).RequireAuthorization(MonitorPolicies.Read);
        return auth;
    }

    public static void MapApi(RouteGroupBuilder api) => api.MapGet("/whoami", WhoAmI);

    private static IResult Show(HttpContext http, MonitorServices m, string? returnUrl)
    {
        var viewer = Viewer.From(http);
        return PageEndpoints.Result(http, m, viewer, LoginPage.Render(m, viewer, LocalUrl.OrHome(returnUrl), error: null, StatusCodes.Status200OK));
    }

    private static async Task<IResult> LoginAsync(HttpContext http, MonitorServices m, LoginThrottle throttle, IAntiforgery antiforgery)
    {
        var ct = http.RequestAborted;
        var viewer = Viewer.From(http);
        var address = http.Connection.RemoteIpAddress;
        if (throttle.Blocked(address) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return PageEndpoints.Result(http, m, viewer, LoginPage.Render(m, viewer, "/",
                $"Too many failed sign-ins from your address. Try again in {seconds} s.", StatusCodes.Status429TooManyRequests));
        }

        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
        {
            return PageEndpoints.Result(http, m, viewer, LoginPage.Render(m, viewer, "/",
                "The form had expired. It has been reloaded: type the token again.", StatusCodes.Status400BadRequest));
        }

        var form = await http.Request.ReadFormAsync(ct);
        var returnUrl = LocalUrl.OrHome(form[ReturnField]);
        if (m.Tokens is not { } tokens)
        {
            return PageEndpoints.Result(http, m, viewer, LoginPage.Render(m, viewer, returnUrl, null, StatusCodes.Status404NotFound));
        }

        var secret = form[TokenField].ToString().Trim();
        var token = secret.Length == 0 ? null : await tokens.VerifyAsync(secret, ct);
        if (token is null)
        {
            throttle.RecordFailure(address);
            await AuditTrail.RecordAsync(http, "login-failed", secret.Length == 0 ? "empty token" : "unknown or revoked token", AuditTrail.Anonymous);
            return PageEndpoints.Result(http, m, viewer, LoginPage.Render(m, viewer, returnUrl,
                "That token is unknown or has been revoked.", StatusCodes.Status401Unauthorized));
        }

        var principal = MonitorClaims.Principal(token, MonitorAuthentication.CookieScheme);
        await http.SignInAsync(MonitorAuthentication.CookieScheme, principal, new AuthenticationProperties { IsPersistent = false });
        await AuditTrail.RecordAsync(http, "login", $"session with token '{token.Name}' ({MonitorPolicies.For(token.Scope)})", token.Name);
        return PageEndpoints.SeeOther(returnUrl);
    }

    private static async Task<IResult> LogoutAsync(HttpContext http)
    {
        await AuditTrail.RecordAsync(http, "logout", "session ended");
        await http.SignOutAsync(MonitorAuthentication.CookieScheme);
        return PageEndpoints.SeeOther("/login");
    }

    private static Ok<WhoAmIResponse> WhoAmI(HttpContext http, MonitorServices m) => TypedResults.Ok(new WhoAmIResponse(
        m.Options.RequireAuthentication,
        http.User.Identity?.IsAuthenticated == true ? http.User.Identity.Name : null,
        MonitorClaims.Scope(http.User),
        MonitorClaims.Via(http.User)));
}

/// <summary>GET /api/whoami. Authentication: whether the server asks for tokens at all. Via: "bearer" or "session".</summary>
public sealed record WhoAmIResponse(bool Authentication, string? Name, TokenScope? Scope, string? Via);
