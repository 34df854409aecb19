using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Provider.Monitor.Web.Auth;

/// <summary>Records an action in the token store's audit log with the signed-in token's name and the remote address.</summary>
public static class AuditTrail
{
    public const string Anonymous = "anonymous";

    public static string Actor(HttpContext http) => http.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : Anonymous;

    public static string? RemoteAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    /// <summary>Nothing is recorded without a token store (monitor-only mode has nobody to name).</summary>
    public static Task RecordAsync(HttpContext http, string action, string detail, string? actor = null)
    {
        var tokens = http.RequestServices.GetRequiredService<MonitorServices>().Tokens;
        // Not the request's token: an audit entry is written even when the client has gone.
        return tokens is null
            ? Task.CompletedTask
            : tokens.RecordAuditAsync(actor ?? Actor(http), action, RemoteAddress(http), detail, CancellationToken.None);
    }
}
