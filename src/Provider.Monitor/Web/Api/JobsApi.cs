using System.Collections.Immutable;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Provider.Monitor.Jobs;

namespace Provider.Monitor.Web.Api;

/// <summary>POST /api/deploy body: environments and/or nodes (both empty: the whole fleet), and why.</summary>
public sealed record DeployBody(ImmutableArray<string>? Environments, ImmutableArray<string>? Nodes, string? Reason, bool Resume = false, bool SkipGate = false);

/// <summary>POST /api/rollback body: one environment (to a release; none: the previous good one) or one node (to a generation).</summary>
public sealed record RollbackBody(string? Environment, string? Node, string? To, string? Reason);

/// <summary>What POST /api/deploy and /api/rollback answer (202): the job and where to follow it.</summary>
public sealed record JobCreated(long Id, JobState State, ImmutableArray<string> Nodes, string Self, string Events);

/// <summary>
/// The deploy service's job API: create deploy/rollback jobs, list and read them, cancel, and follow their progress as
/// server-sent events (GET /api/jobs/{id}/events; Last-Event-ID resumes after the last event seen, nothing lost or repeated).
/// Needs an IJobStore and an IJobQueue in the services (serve registers them).
/// </summary>
public static class JobsApi
{
    /// <summary>Maps the read endpoints on <paramref name="read"/> and the writes on <paramref name="write"/> (the caller puts its authorization on each group).</summary>
    public static void Map(RouteGroupBuilder read, RouteGroupBuilder write)
    {
        write.MapPost("/deploy", DeployAsync);
        write.MapPost("/rollback", RollbackAsync);
        write.MapPost("/jobs/{id:long}/cancel", CancelAsync);
        read.MapGet("/jobs", ListAsync);
        read.MapGet("/jobs/{id:long}", GetAsync);
        read.MapGet("/jobs/{id:long}/events", EventsAsync);
    }

    /// <summary>Who is asking: the authenticated name (a token's), else "anonymous".</summary>
    public static JobOrigin Origin(HttpContext http, string via, string? reason) =>
        new(http.User.Identity?.IsAuthenticated == true ? http.User.Identity.Name ?? "unknown" : "anonymous", via,
            http.Connection.RemoteIpAddress?.ToString(), string.IsNullOrWhiteSpace(reason) ? null : reason.Trim());

    private static Task<IResult> DeployAsync(DeployBody body, HttpContext http, IJobQueue queue, IJobStore jobs, IHostApplicationLifetime lifetime) =>
        EnqueueAsync(http, queue, jobs, lifetime, new JobRequest(JobKind.Deploy, body.Environments ?? [], body.Nodes ?? [], null, body.Resume, body.SkipGate), body.Reason);

    private static Task<IResult> RollbackAsync(RollbackBody body, HttpContext http, IJobQueue queue, IJobStore jobs, IHostApplicationLifetime lifetime) =>
        EnqueueAsync(http, queue, jobs, lifetime, new JobRequest(JobKind.Rollback, body.Environment is null ? [] : [body.Environment], body.Node is null ? [] : [body.Node], body.To), body.Reason);

    /// <summary>
    /// Queues the job: 202 with its id and links, or, when the client accepts text/event-stream (curl -N -H 'Accept: text/event-stream'),
    /// the job's progress streamed in this response until its result.
    /// </summary>
    private static async Task<IResult> EnqueueAsync(HttpContext http, IJobQueue queue, IJobStore jobs, IHostApplicationLifetime lifetime, JobRequest request, string? reason)
    {
        Job job;
        try
        {
            job = await queue.EnqueueAsync(request, Origin(http, "api", reason), http.RequestAborted);
        }
        catch (JobRequestException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid job request", ex.Message, ex.Field);
        }
        catch (Provider.Nodes.Engine.OperationRefusedException ex)
        {
            // The plan itself cannot be read (missing, or from another format): nothing can be queued until it is fixed.
            return Problem(StatusCodes.Status409Conflict, "The provider repo's plan cannot be used", ex.Message, "plan");
        }

        var self = $"/api/jobs/{job.Id.ToString(CultureInfo.InvariantCulture)}";
        if (http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true))
        {
            http.Response.Headers.Location = self;
            http.Response.Headers["X-Job-Id"] = job.Id.ToString(CultureInfo.InvariantCulture);
            await StreamAsync(http, jobs, lifetime, job.Id, 0);
            return Results.Empty;
        }

        return TypedResults.Accepted(self, new JobCreated(job.Id, job.State, job.Nodes, self, self + "/events"));
    }

    private static async Task<Ok<ImmutableArray<Job>>> ListAsync(IJobStore jobs, string? state, int? limit, CancellationToken ct) =>
        TypedResults.Ok(await jobs.ListAsync(Math.Clamp(limit ?? 100, 1, 500), Enum.TryParse<JobState>(state, true, out var s) ? s : null, ct));

    private static async Task<Results<Ok<Job>, ProblemHttpResult>> GetAsync(long id, IJobStore jobs, CancellationToken ct) =>
        await jobs.GetAsync(id, ct) is { } job ? TypedResults.Ok(job) : UnknownJob(id);

    private static async Task<Results<Accepted<Job>, ProblemHttpResult>> CancelAsync(long id, IJobStore jobs, IJobQueue queue, CancellationToken ct)
    {
        if (await jobs.GetAsync(id, ct) is null)
        {
            return UnknownJob(id);
        }

        if (!await queue.CancelAsync(id, ct))
        {
            return Problem(StatusCodes.Status409Conflict, "The job has ended", $"job {id} has already ended; nothing to cancel", "id");
        }

        return TypedResults.Accepted($"/api/jobs/{id}", (await jobs.GetAsync(id, ct))!);
    }

    /// <summary>
    /// Server-sent events: "progress" (data: one line), then one "result" (data: JSON state/exitCode/summary) and the end
    /// of the stream. Each event's id is its Seq; a reconnecting client's Last-Event-ID (or ?after=) continues after it.
    /// </summary>
    private static async Task EventsAsync(long id, HttpContext http, IJobStore jobs, IHostApplicationLifetime lifetime)
    {
        if (await jobs.GetAsync(id, http.RequestAborted) is null)
        {
            await UnknownJob(id).ExecuteAsync(http);
            return;
        }

        var after = long.TryParse(http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["after"].FirstOrDefault(),
            NumberStyles.None, CultureInfo.InvariantCulture, out var last) ? last : 0;
        await StreamAsync(http, jobs, lifetime, id, after);
    }

    internal static async Task StreamAsync(HttpContext http, IJobStore jobs, IHostApplicationLifetime lifetime, long id, long after)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = stop.Token;
        var response = http.Response;
        EventStream.Begin(http);
        try
        {
            await EventStream.WriteAsync(response, "retry: 2000\n\n", ct);
            var quiet = 0;
            while (true)
            {
                var events = await jobs.GetEventsAsync(id, after, 500, ct);
                foreach (var e in events)
                {
                    var data = string.Concat(e.Text.Split('\n').Select(l => "data: " + l + "\n"));
                    await EventStream.WriteAsync(response, $"id: {e.Seq.ToString(CultureInfo.InvariantCulture)}\nevent: {e.Kind}\n{data}\n", ct);
                    after = e.Seq;
                    if (e.Kind == "result")
                    {
                        return;
                    }
                }

                if (events.IsEmpty)
                {
                    // Polling the store (not an in-process signal): with PostgreSQL the job may run in another instance.
                    await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
                    if (++quiet % 75 == 0)
                    {
                        await EventStream.WriteAsync(response, ": keepalive\n\n", ct);
                    }
                }
                else
                {
                    quiet = 0;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away or the server is stopping; a reconnect with Last-Event-ID continues where it was.
        }
    }

    private static ProblemHttpResult UnknownJob(long id) =>
        Problem(StatusCodes.Status404NotFound, "Unknown job", $"No job {id}. GET /api/jobs lists them.", "id");

    private static ProblemHttpResult Problem(int status, string title, string detail, string field)
    {
        var details = new ProblemDetails { Status = status, Title = title, Detail = detail };
        details.Extensions["field"] = field;
        return TypedResults.Problem(details);
    }
}
