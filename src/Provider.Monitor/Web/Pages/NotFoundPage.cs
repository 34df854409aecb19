using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

public static class NotFoundPage
{
    public static Page Render(string what, string name) => new($"Unknown {what}", Section.None, H($"""
        <h1>Unknown {what}</h1>
        <p>No {what} named <code>{name}</code> has been collected. The <a href="/">fleet overview</a> lists what there is.</p>
        """), Status: 404, Live: "off");
}
