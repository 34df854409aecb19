using Provider.Monitor.Auth;
using Provider.Monitor.Web.Auth;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>The document around every page: skip link, navigation, main, footer.</summary>
public static class Layout
{
    public static Markup Document(Page page, MonitorServices m, Viewer viewer) => H($$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{page.Title}} · hostenv monitor</title>
        <link rel="stylesheet" href="{{AssetEndpoints.Url("monitor.css")}}">
        <script src="{{AssetEndpoints.Url("monitor.js")}}" defer></script>
        </head>
        <body>
        <a class="skip-link" href="#main">Skip to main content</a>
        <header class="site">
        <p class="brand"><a href="/">hostenv monitor</a></p>
        <nav aria-label="Main">
        <ul>
        {{NavLink("/", "Fleet", page.Section == Section.Fleet)}}
        {{NavLink("/logs", "Logs", page.Section == Section.Logs)}}
        {{NavLink("/history", "Deploy history", page.Section == Section.History)}}
        {{(m.Jobs is null ? null : NavLink("/jobs", "Jobs", page.Section == Section.Jobs))}}
        {{(m.Tokens is not null && viewer.Has(TokenScope.Admin) ? NavLink("/audit", "Audit log", page.Section == Section.Audit) : null)}}
        </ul>
        </nav>
        <p id="live-status" class="live-status">Live updates: connecting…</p>
        {{Session(viewer)}}
        </header>
        <main id="main" tabindex="-1" data-live="{{page.Live}}">
        {{page.Main}}
        </main>
        <footer class="site">
        <p>Collected every {{Format.Number(m.Options.Interval.TotalSeconds, "0")}} s. Page rendered {{Format.Utc(m.Now)}}. Times are UTC.</p>
        </footer>
        </body>
        </html>
        """);

    /// <summary>Who is signed in, and the sign-out button (a POST with the antiforgery token: a link could be triggered from elsewhere).</summary>
    private static Markup? Session(Viewer viewer) => viewer is { SignedIn: true, Via: "session" }
        ? H($$"""
            <form class="session" method="post" action="/logout">
            <span>Signed in as <strong>{{viewer.Name}}</strong> ({{MonitorPolicies.For(viewer.Scope ?? TokenScope.Read)}})</span>
            {{viewer.FormToken()}}
            <button type="submit" class="secondary">Sign out</button>
            </form>
            """)
        : null;

    private static Markup NavLink(string href, string label, bool current) => current
        ? H($"""<li><a href="{href}" aria-current="page">{label}</a></li>""")
        : H($"""<li><a href="{href}">{label}</a></li>""");
}
