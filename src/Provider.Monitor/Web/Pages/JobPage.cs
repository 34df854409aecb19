using System.Globalization;
using Provider.Monitor.Jobs;
using Provider.Monitor.Web.Auth;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>
/// /jobs/{id}: what the job does, who asked and why, and its progress. An ended job shows its stored lines; a
/// queued or running one gets them live: monitor.js reads <c>/api/jobs/{id}/events</c> (events "progress", one
/// line each, from the first; then "result" with {state, exitCode, summary}) into the log.
/// </summary>
public static class JobPage
{
    public const int MaxLines = 10_000;

    public static string EventsUrl(long id) => $"/api/jobs/{id.ToString(CultureInfo.InvariantCulture)}/events";

    public static async Task<Page> RenderAsync(MonitorServices m, Viewer viewer, string idText, CancellationToken ct)
    {
        if (m.Jobs is null)
        {
            return JobsPage.NotEnabled();
        }

        var job = long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? await m.Jobs.GetAsync(id, ct) : null;
        if (job is null)
        {
            return MessagePage.Render("Unknown job", $"There is no job {idText}. The jobs page lists them.", 404);
        }

        var now = m.Now;
        var ended = JobText.Ended(job.State);
        var lines = ended ? await LinesAsync(m.Jobs, job.Id, ct) : string.Empty;
        var log = ended
            ? H($"""<pre id="job-log" class="job-log" tabindex="0" aria-label="Progress of job {job.Id}">{lines}</pre>""")
            : H($"""<pre id="job-log" class="job-log" tabindex="0" aria-label="Progress of job {job.Id}" aria-live="polite" data-job-events="{EventsUrl(job.Id)}"></pre>""");
        var cancel = !ended && viewer.CanAct(m)
            ? H($"""
                <form id="job-cancel" method="post" action="/actions/jobs/{job.Id}/cancel">
                {viewer.FormToken()}
                <button type="submit" class="danger">Cancel job {job.Id}</button>
                </form>
                """)
            : Markup.Empty;
        return new Page($"Job {job.Id}", Section.Jobs, H($"""
            <h1>Job {job.Id}: {JobText.What(job.Request)}</h1>
            <dl class="facts job-facts">
            <div><dt>State</dt><dd id="job-state">{JobText.StateBadge(job.State)}{(job.CancelRequested && !ended ? " (cancel requested)" : null)}</dd></div>
            <div><dt>Who</dt><dd>{job.Origin.Actor}</dd></div>
            <div><dt>Via</dt><dd>{job.Origin.Via}</dd></div>
            <div><dt>From</dt><dd>{Format.Text(job.Origin.RemoteAddress)}</dd></div>
            <div><dt>Why</dt><dd id="job-reason">{Format.Text(job.Origin.Reason)}</dd></div>
            <div><dt>Queued</dt><dd>{Format.Time(job.CreatedAt, now)}</dd></div>
            <div><dt>Started</dt><dd>{JobText.Time(job.StartedAt, now)}</dd></div>
            <div><dt>Ended</dt><dd>{JobText.Time(job.FinishedAt, now)}</dd></div>
            <div><dt>Exit code</dt><dd id="job-exit">{(job.ExitCode is { } code ? code.ToString(CultureInfo.InvariantCulture) : "–")}</dd></div>
            <div><dt>Nodes</dt><dd>{(job.Nodes.IsDefaultOrEmpty ? "–" : string.Join(", ", job.Nodes))}</dd></div>
            </dl>
            <p id="job-summary">{job.Summary}</p>
            {cancel}
            <h2>Progress</h2>
            <p id="job-live" class="none">{(ended ? "The job has ended; these are its stored lines." : "Lines appear as the job runs.")}</p>
            {log}
            <p><a href="/jobs">All jobs</a></p>
            """), Live: "off");
    }

    private static async Task<string> LinesAsync(IJobStore jobs, long id, CancellationToken ct)
    {
        var events = await jobs.GetEventsAsync(id, 0, MaxLines, ct);
        return string.Concat(events.Where(e => e.Kind == "progress").Select(e => e.Text + "\n"));
    }
}
