using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Provider.Monitor.Jobs;
using Provider.Monitor.Web.Auth;

namespace Provider.Monitor.Web.Pages;

/// <summary>
/// The dashboard's writes: GET /actions/deploy and /actions/rollback show the confirmation; POST to the same
/// paths queues the job through <see cref="IJobQueue"/> (origin: the token's name, via "button", the remote
/// address, the reason) and redirects to /jobs/{id}; POST /actions/jobs/{id}/cancel cancels. All need Deploy;
/// the antiforgery check on the POSTs is <see cref="CookieWriteAntiforgery"/>'s.
/// </summary>
public static class ActionEndpoints
{
    public const string Via = "button";

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/actions/deploy", (HttpContext http, MonitorServices m) => Confirm(http, m, JobKind.Deploy))
            .RequireAuthorization(MonitorPolicies.Deploy);
        pages.MapGet("/actions/rollback", (HttpContext http, MonitorServices m) => Confirm(http, m, JobKind.Rollback))
            .RequireAuthorization(MonitorPolicies.Deploy);
        pages.MapPost("/actions/deploy", (HttpContext http, MonitorServices m) => EnqueueAsync(http, m, JobKind.Deploy));
        pages.MapPost("/actions/rollback", (HttpContext http, MonitorServices m) => EnqueueAsync(http, m, JobKind.Rollback));
        pages.MapPost("/actions/jobs/{id:long}/cancel", CancelAsync);
    }

    private static IResult Confirm(HttpContext http, MonitorServices m, JobKind kind)
    {
        var viewer = Viewer.From(http);
        if (m.Queue is null)
        {
            return PageEndpoints.Result(http, m, viewer, NotEnabled());
        }

        var (action, problem) = JobAction.Read(kind, name => http.Request.Query[name]);
        return action is null
            ? PageEndpoints.Result(http, m, viewer, MessagePage.Render("Cannot ask for that", problem ?? string.Empty, StatusCodes.Status400BadRequest))
            : PageEndpoints.Result(http, m, viewer, ConfirmPage.Render(action, viewer, reason: null, error: null));
    }

    private static async Task<IResult> EnqueueAsync(HttpContext http, MonitorServices m, JobKind kind)
    {
        var viewer = Viewer.From(http);
        if (m.Queue is not { } queue)
        {
            return PageEndpoints.Result(http, m, viewer, NotEnabled());
        }

        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : FormCollection.Empty;
        var (action, problem) = JobAction.Read(kind, name => form[name]);
        if (action is null)
        {
            return PageEndpoints.Result(http, m, viewer, MessagePage.Render("Cannot ask for that", problem ?? string.Empty, StatusCodes.Status400BadRequest));
        }

        var reason = form["reason"].ToString().Trim();
        if (reason.Length == 0 || reason.Length > JobAction.MaxReason)
        {
            var say = reason.Length == 0 ? "Say why, in a sentence." : $"Keep the reason under {JobAction.MaxReason} characters.";
            return PageEndpoints.Result(http, m, viewer, ConfirmPage.Render(action, viewer, reason, say, StatusCodes.Status400BadRequest));
        }

        Job job;
        try
        {
            // Not the request's token: once asked for, the job is queued even if the browser goes away.
            job = await queue.EnqueueAsync(action.Request, new JobOrigin(AuditTrail.Actor(http), Via, AuditTrail.RemoteAddress(http), reason), CancellationToken.None);
        }
        catch (JobRequestException ex)
        {
            return PageEndpoints.Result(http, m, viewer, ConfirmPage.Render(action, viewer, reason, ex.Message, StatusCodes.Status400BadRequest));
        }

        await AuditTrail.RecordAsync(http, action.Verb, $"job {Id(job.Id)}: {JobText.What(action.Request)}; reason: {reason}");
        return PageEndpoints.SeeOther("/jobs/" + Id(job.Id));
    }

    private static async Task<IResult> CancelAsync(long id, HttpContext http, MonitorServices m)
    {
        if (m.Queue is not { } queue)
        {
            return PageEndpoints.Result(http, m, Viewer.From(http), NotEnabled());
        }

        if (!await queue.CancelAsync(id, CancellationToken.None))
        {
            return PageEndpoints.Result(http, m, Viewer.From(http),
                MessagePage.Render("Not cancelled", $"Job {Id(id)} has ended or does not exist.", StatusCodes.Status409Conflict));
        }

        await AuditTrail.RecordAsync(http, "cancel", $"job {Id(id)}");
        return PageEndpoints.SeeOther("/jobs/" + Id(id));
    }

    private static Page NotEnabled() =>
        MessagePage.Render("Not enabled", "This server runs no job queue, so it cannot deploy or roll back.", StatusCodes.Status404NotFound);

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
