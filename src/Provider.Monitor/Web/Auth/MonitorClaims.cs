using System.Globalization;
using System.Security.Claims;
using Provider.Monitor.Auth;

namespace Provider.Monitor.Web.Auth;

/// <summary>What a signed-in principal carries: the token's name, id and scope (never its secret).</summary>
public static class MonitorClaims
{
    public const string ScopeClaim = "hostenv:scope";

    public static ClaimsPrincipal Principal(ApiToken token, string authenticationType) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, token.Id.ToString(CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, token.Name),
            new Claim(ScopeClaim, token.Scope.ToString()),
        ],
        authenticationType,
        ClaimTypes.Name,
        ClaimTypes.Role));

    /// <summary>The principal's scope; null when it is not signed in (or carries no valid scope).</summary>
    public static TokenScope? Scope(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && Enum.TryParse<TokenScope>(user.FindFirstValue(ScopeClaim), out var scope) && Enum.IsDefined(scope)
            ? scope
            : null;

    public static long? TokenId(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>How the principal signed in: "bearer", "session", or null.</summary>
    public static string? Via(ClaimsPrincipal user) => user.Identity?.AuthenticationType switch
    {
        MonitorAuthentication.BearerScheme => "bearer",
        MonitorAuthentication.CookieScheme => "session",
        _ => null,
    };
}
