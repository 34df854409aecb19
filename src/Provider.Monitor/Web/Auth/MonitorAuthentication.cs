using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Provider.Monitor.Auth;

namespace Provider.Monitor.Web.Auth;

/// <summary>
/// Who may do what. Two schemes behind one default: "Bearer" (an API token in the Authorization header, for API
/// clients) and "Session" (a cookie from /login, for the dashboard); a request with a Bearer header is judged by
/// the token alone. One policy per scope (<see cref="MonitorPolicies"/>); anything not marked otherwise needs Read.
/// Cookie-authenticated writes must carry an antiforgery token (<see cref="CookieWriteAntiforgery"/>).
/// </summary>
public static class MonitorAuthentication
{
    public const string DefaultScheme = "hostenv";
    public const string BearerScheme = "Bearer";
    public const string CookieScheme = "Session";
    public const string SessionCookie = "hostenv-session";
    public const string AntiforgeryCookie = "hostenv-antiforgery";

    /// <summary>The header scripts send the antiforgery request token in (forms send the hidden field).</summary>
    public const string AntiforgeryHeader = "X-CSRF-Token";

    /// <summary>A session ends after this long without a request (each request slides it on).</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    internal static void AddServices(IServiceCollection services, MonitorWebOptions options)
    {
        var protection = services.AddDataProtection().SetApplicationName("hostenv-provider");
        if (options.KeyDirectory is { } keys)
        {
            protection.PersistKeysToFileSystem(PrivateDirectory(keys));
        }
        else
        {
            protection.UseEphemeralDataProtectionProvider();
        }

        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "Token or session", o =>
                o.ForwardDefaultSelector = http => BearerTokenHandler.HasBearer(http.Request) ? BearerScheme : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerScheme, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = SessionCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = SessionLifetime;
                o.SlidingExpiration = true;
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.ReturnUrlParameter = "returnUrl";
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            });

        var read = Policy(TokenScope.Read);
        services.AddAuthorizationBuilder()
            .AddPolicy(MonitorPolicies.Read, read)
            .AddPolicy(MonitorPolicies.Deploy, Policy(TokenScope.Deploy))
            .AddPolicy(MonitorPolicies.Admin, Policy(TokenScope.Admin))
            .SetFallbackPolicy(read);
        services.AddSingleton<IAuthorizationHandler, ScopeHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, MonitorAuthorizationResults>();

        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryHeader;
            o.Cookie.Name = AntiforgeryCookie;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddSingleton<LoginThrottle>();
    }

    internal static void Use(WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(CookieWriteAntiforgery.Apply);
    }

    /// <summary>
    /// On a group: GET and HEAD endpoints need Read, every other method Deploy. Added as metadata, so an endpoint's
    /// own RequireAuthorization (Admin, say) adds to it and AllowAnonymous (webhooks with their own check) overrides it.
    /// </summary>
    public static TBuilder RequireScopeByMethod<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var methods = endpoint.Metadata.OfType<HttpMethodMetadata>().SelectMany(m => m.HttpMethods).ToList();
            var writes = methods.Count == 0 || methods.Any(m => !HttpMethods.IsGet(m) && !HttpMethods.IsHead(m));
            endpoint.Metadata.Add(new AuthorizeAttribute(writes ? MonitorPolicies.Deploy : MonitorPolicies.Read));
        });
        return builder;
    }

    private static AuthorizationPolicy Policy(TokenScope scope) =>
        new AuthorizationPolicyBuilder().AddRequirements(new ScopeRequirement(scope)).Build();

    /// <summary>A session lasts only while its token does: revoking a token ends its sessions at their next request.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var tokens = context.HttpContext.RequestServices.GetRequiredService<MonitorServices>().Tokens;
        var id = context.Principal is { } principal ? MonitorClaims.TokenId(principal) : null;
        var live = tokens is null || id is null
            ? null
            : (await tokens.ListAsync(context.HttpContext.RequestAborted)).FirstOrDefault(t => t.Id == id && t.RevokedAt is null);
        if (live is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
        }
    }

    private static DirectoryInfo PrivateDirectory(string path)
    {
        // The keys decrypt session cookies: readable by the service's user only.
        return OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
