using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Provider.Monitor.Web.Auth;

/// <summary>
/// A browser sends the session cookie with any request, including one another site makes it send; so a write
/// authenticated by the cookie must also carry the antiforgery token (form field or X-CSRF-Token header), which
/// another site cannot read. A Bearer token is never sent on its own, so token-authenticated writes need none.
/// One middleware rather than a filter per endpoint: it covers every write, the job API's included.
/// </summary>
internal static class CookieWriteAntiforgery
{
    public static async Task Apply(HttpContext http, Func<Task> next)
    {
        var method = http.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        if (!safe && MonitorClaims.Via(http.User) == "session"
            && !await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
        {
            await AuthResponses.BadFormAsync(http);
            return;
        }

        await next();
    }
}
