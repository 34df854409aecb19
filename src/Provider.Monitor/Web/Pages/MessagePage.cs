using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>A page that only says something: a refusal, a feature that is not enabled, an unknown job.</summary>
public static class MessagePage
{
    public static Page Render(string title, string text, int status) => new(title, Section.None, H($"""
        <h1>{title}</h1>
        <p class="message-text">{text}</p>
        <p><a href="/">Back to the fleet overview</a></p>
        """), Status: status, Live: "off");
}
