using Provider.Monitor.Web.Html;

namespace Provider.Monitor.Web.Pages;

/// <summary>Which navigation link is the current page's.</summary>
public enum Section
{
    None,
    Fleet,
    Logs,
    History,
    Jobs,
    Audit,
}

/// <summary>
/// A rendered page: Main is the content of &lt;main&gt; (with the page's one h1). The same Main serves the full
/// document and the live-update fragment, so the two cannot drift apart. Live: "on" refreshes on every cycle,
/// "form" only while the page's form is untouched, "off" never.
/// </summary>
public sealed record Page(string Title, Section Section, Markup Main, int Status = 200, string Live = "on");
