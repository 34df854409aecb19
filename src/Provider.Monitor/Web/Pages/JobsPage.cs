using Provider.Monitor.Jobs;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>/jobs: the queue, newest first: queued, running and ended jobs with who asked, through what and why.</summary>
public static class JobsPage
{
    public const int Limit = 200;
    private static readonly string[] Columns = ["Job", "What", "State", "Who", "Via", "Why", "Queued", "Started", "Ended"];

    public static async Task<Page> RenderAsync(MonitorServices m, CancellationToken ct)
    {
        if (m.Jobs is null)
        {
            return NotEnabled();
        }

        var jobs = await m.Jobs.ListAsync(Limit, null, ct);
        var now = m.Now;
        return new Page("Jobs", Section.Jobs, H($"""
            <h1>Jobs</h1>
            <p>Deploys and rollbacks queued from the API, the dashboard, webhooks and pushes (at most {Limit}, newest first). One job runs on a node at a time; the others wait.</p>
            {HtmlTable.Render("jobs", "Jobs, newest first", Columns, jobs.IsDefault ? [] : jobs, j => Row(j, now), "No jobs yet.")}
            """));
    }

    public static Page NotEnabled() =>
        MessagePage.Render("Jobs", "This server runs no job queue: it monitors the fleet and deploys nothing.", 404);

    private static Markup Row(Job j, DateTimeOffset now) => H($"""
        <tr data-job-id="{j.Id}" data-state="{JobText.StateKey(j.State)}">
        <th scope="row"><a href="/jobs/{j.Id}">#{j.Id}</a></th>
        <td>{JobText.What(j.Request)}</td>
        <td>{JobText.StateBadge(j.State)}</td>
        <td>{j.Origin.Actor}</td>
        <td>{j.Origin.Via}</td>
        <td>{Format.Text(j.Origin.Reason)}</td>
        <td>{Format.Time(j.CreatedAt, now)}</td>
        <td>{JobText.Time(j.StartedAt, now)}</td>
        <td>{JobText.Time(j.FinishedAt, now)}</td>
        </tr>
        """);
}
