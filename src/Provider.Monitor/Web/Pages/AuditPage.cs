using Provider.Monitor.Auth;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>/audit (Admin): sign-ins, failed sign-ins, deploys, rollbacks, cancels and token changes, newest first.</summary>
public static class AuditPage
{
    public const int Limit = 500;
    private static readonly string[] Columns = ["Time", "Who", "Action", "From", "Detail"];

    public static async Task<Page> RenderAsync(MonitorServices m, CancellationToken ct)
    {
        if (m.Tokens is null)
        {
            return MessagePage.Render("Audit log", "This server has no API tokens, so nothing is audited.", 404);
        }

        var entries = await m.Tokens.ListAuditAsync(Limit, ct);
        var now = m.Now;
        return new Page("Audit log", Section.Audit, H($"""
            <h1>Audit log</h1>
            <p>The most recent {Limit} entries, newest first.</p>
            {HtmlTable.Render("audit", "Audit log, newest first", Columns, entries.IsDefault ? [] : entries, e => Row(e, now), "Nothing audited yet.")}
            """));
    }

    private static Markup Row(AuditEntry e, DateTimeOffset now) => H($"""
        <tr data-audit-action="{e.Action}">
        <td class="nowrap">{Format.Time(e.Time, now)}</td>
        <td>{e.Actor}</td>
        <td>{e.Action}</td>
        <td>{Format.Text(e.RemoteAddress)}</td>
        <td>{e.Detail}</td>
        </tr>
        """);
}
