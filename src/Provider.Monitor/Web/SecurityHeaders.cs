using Microsoft.AspNetCore.Http;

namespace Provider.Monitor.Web;

/// <summary>
/// Headers on every response. The content security policy allows only our own script and stylesheet: even if
/// escaping were missed somewhere, injected script would not run. (So the pages use no inline style or script.)
/// </summary>
internal static class SecurityHeaders
{
    public static Task Apply(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return next();
    }
}
