using System.Collections.Immutable;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Html;
using Provider.Monitor.Web.Query;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>Log lines, newest first. The message is the store's Highlighted text (HTML-safe by contract, with &lt;mark&gt;).</summary>
public static class LogTable
{
    private static readonly string[] Columns = ["Time (UTC)", "Node", "Environment", "Source", "Level", "Message"];

    public static Markup Render(string caption, ImmutableArray<LogHit> hits) =>
        HtmlTable.Render("logs", caption, Columns, hits.IsDefault ? [] : hits, Row, "No matching log lines.");

    private static Markup Row(LogHit hit)
    {
        var line = hit.Line;
        return H($"""
            <tr data-log-id="{hit.Id}" class="level-{QueryReader.LevelName(line.Level)}">
            <td class="nowrap"><time datetime="{Format.Iso(line.Time)}">{Format.Utc(line.Time)}</time></td>
            <td>{line.Node}</td>
            <td>{Format.Text(line.Environment)}</td>
            <td>{line.Source}</td>
            <td>{QueryReader.LevelName(line.Level)}</td>
            <td class="message">{Trusted(hit.Highlighted)}</td>
            </tr>
            """);
    }
}
