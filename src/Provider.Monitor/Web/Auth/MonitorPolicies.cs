using Provider.Monitor.Auth;

namespace Provider.Monitor.Web.Auth;

/// <summary>
/// The authorization policies, one per token scope. Endpoints mapped in <see cref="MonitorRoutes.Api"/> or
/// <see cref="MonitorRoutes.Pages"/> get Read for GET/HEAD and Deploy for every other method on their own; add
/// <c>.RequireAuthorization(MonitorPolicies.Admin)</c> where more is needed.
/// </summary>
public static class MonitorPolicies
{
    public const string Read = "read";
    public const string Deploy = "deploy";
    public const string Admin = "admin";

    public static string For(TokenScope scope) => scope switch
    {
        TokenScope.Admin => Admin,
        TokenScope.Deploy => Deploy,
        _ => Read,
    };
}
