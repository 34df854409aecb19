using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Html;

/// <summary>The dashboard's one table shape: a caption, column headers with scope, rows, and a sentence when there are none.</summary>
public static class HtmlTable
{
    public static Markup Render<T>(string cssClass, string caption, IReadOnlyList<string> columns, IReadOnlyCollection<T> items, Func<T, Markup> row, string empty)
    {
        if (items.Count == 0)
        {
            return None(empty);
        }

        return H($"""
            <div class="table-wrap">
            <table class="{cssClass}">
            <caption>{caption}</caption>
            <thead><tr>{columns.Select(c => H($"""<th scope="col">{c}</th>"""))}</tr></thead>
            <tbody>
            {items.Select(row)}
            </tbody>
            </table>
            </div>
            """);
    }

    public static Markup None(string text) => H($"""<p class="none">{text}</p>""");
}
