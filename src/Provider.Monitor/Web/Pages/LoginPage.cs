using Provider.Monitor.Web.Auth;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>/login: one labelled field for an API token. The token is sent once, checked and forgotten; the session holds its name.</summary>
public static class LoginPage
{
    public static Page Render(MonitorServices m, Viewer viewer, string returnUrl, string? error, int status)
    {
        if (m.Tokens is null)
        {
            return new Page("Sign in", Section.None, H($"""
                <h1>Sign in</h1>
                <p>This server has no API tokens, so it shows the fleet to anyone who can reach it and accepts no changes.
                To deploy from here, create a token with <code>hostenv-provider token create NAME --scope deploy</code> and restart <code>serve</code>.</p>
                """), Status: status, Live: "off");
        }

        var alert = error is null ? Markup.Empty : H($"""<p class="problems" role="alert" id="login-error">{error}</p>""");
        var invalid = error is null ? Markup.Empty : H($""" aria-invalid="true" """);
        var signedIn = viewer.SignedIn ? H($"""<p>You are signed in as <strong>{viewer.Name}</strong>. Signing in again replaces that session.</p>""") : Markup.Empty;
        return new Page("Sign in", Section.None, H($"""
            <h1>Sign in</h1>
            {signedIn}
            {alert}
            <form class="login" method="post" action="/login">
            {viewer.FormToken()}
            <input type="hidden" name="{LoginEndpoints.ReturnField}" value="{returnUrl}">
            <div class="field">
            <label for="token">API token</label>
            <input id="token" name="{LoginEndpoints.TokenField}" type="password" required autofocus autocomplete="current-password" spellcheck="false" autocapitalize="off" aria-describedby="token-help"{invalid}>
            <small id="token-help">A token from <code>hostenv-provider token create</code> (it starts with hp_). It is checked and not kept: the session remembers only the token's name.</small>
            </div>
            <button type="submit">Sign in</button>
            </form>
            """), Status: status, Live: "off");
    }
}
