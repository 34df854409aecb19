using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Provider.Monitor.Auth;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Auth;

/// <summary>
/// Who is looking at a page: their token's name and scope (null when not signed in or authentication is off) and
/// the antiforgery request token the page's forms carry.
/// </summary>
public sealed record Viewer(string? Name, TokenScope? Scope, string? Via, AntiforgeryTokenSet? Antiforgery)
{
    public static Viewer Anonymous { get; } = new(null, null, null, null);

    public bool SignedIn => Name is not null;

    public bool Has(TokenScope scope) => Scope >= scope;

    /// <summary>Whether this viewer gets the deploy and rollback buttons: a Deploy token and a job queue.</summary>
    public bool CanAct(MonitorServices m) => m.Queue is not null && Has(TokenScope.Deploy);

    /// <summary>The hidden field every writing form carries (empty without antiforgery: such a form cannot be sent anyway).</summary>
    public Markup FormToken() => Antiforgery is { FormFieldName: { } field, RequestToken: { } token }
        ? H($"""<input type="hidden" name="{field}" value="{token}">""")
        : Markup.Empty;

    /// <summary>For a page request: the principal's claims, and fresh antiforgery tokens (their cookie is set on this response).</summary>
    public static Viewer From(HttpContext http)
    {
        var user = http.User;
        var antiforgery = http.RequestServices.GetService<IAntiforgery>()?.GetAndStoreTokens(http);
        return MonitorClaims.Scope(user) is { } scope
            ? new Viewer(user.Identity?.Name, scope, MonitorClaims.Via(user), antiforgery)
            : Anonymous with { Antiforgery = antiforgery };
    }
}
