using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Provider.Monitor.Jobs;
using Provider.Monitor.Web.Api;
using Provider.Monitor.Web.Auth;
using Provider.Nodes.Engine;

namespace Provider.Monitor.Push;

/// <summary>POST /hooks/push body (the post-receive hook's): the repository as the pusher knows it (a bare repo's path or a URL), the ref and the new commit.</summary>
public sealed record PushBody(string? Repository, string? Ref, string? Rev);

/// <summary>
/// Push-to-deploy endpoints. POST /hooks/git: a git host's push webhook (GitHub, Gitea/Forgejo, GitLab), anonymous but
/// signed with the shared secret (serve --hook-secret-file); without a secret it is 404. POST /hooks/push: the
/// post-receive hook of a bare repository, with a Bearer token of deploy scope; with Accept: text/event-stream the
/// job's progress is streamed in the response (as POST /api/deploy does). Both queue one push job (<see cref="PushReceiver"/>),
/// or answer 202 with "no environment follows REF of URL" and queue nothing.
/// </summary>
public static class PushHooks
{
    /// <summary>The largest webhook body read (GitHub's own limit is 25 MB, but a push's payload is small unless it carries thousands of commits).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <param name="app">Where to map them, e.g. MonitorWebApp.Routes.Pages (their own authorization overrides the group's).</param>
    /// <param name="secret">The webhook secret (<see cref="ReadSecret"/>); null: /hooks/git answers 404 and queues nothing.</param>
    public static void Map(IEndpointRouteBuilder app, PushReceiver receiver, byte[]? secret)
    {
        app.MapPost("/hooks/git", (Func<HttpContext, Task<IResult>>)(http => GitAsync(http, receiver, secret))).AllowAnonymous();
        app.MapPost("/hooks/push", (PushBody body, HttpContext http, IJobStore jobs, IHostApplicationLifetime lifetime) => PushAsync(body, http, receiver, jobs, lifetime))
            .RequireAuthorization(MonitorPolicies.Deploy);
    }

    /// <summary>serve --hook-secret-file: the file's content, trimmed; an empty file is refused (a blank secret signs nothing).</summary>
    public static byte[] ReadSecret(string path)
    {
        var text = File.ReadAllText(path).Trim();
        return text.Length > 0 ? Encoding.UTF8.GetBytes(text) : throw new InvalidDataException($"the webhook secret file {path} is empty");
    }

    private static async Task<IResult> GitAsync(HttpContext http, PushReceiver receiver, byte[]? secret)
    {
        if (secret is null)
        {
            return TypedResults.Problem("Webhooks are off: serve was started without --hook-secret-file.", statusCode: StatusCodes.Status404NotFound, title: "No webhooks");
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return TypedResults.Problem($"A webhook body is at most {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var body = await ReadBodyAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return TypedResults.Problem($"A webhook body is at most {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var sender = WebhookPayload.SenderOf(http.Request.Headers);
        if (sender is null)
        {
            return TypedResults.Problem("Not a GitHub, Gitea, Forgejo or GitLab webhook (no X-GitHub-Event, X-Gitea-Event, X-Forgejo-Event or X-Gitlab-Event header).",
                statusCode: StatusCodes.Status400BadRequest);
        }

        if (!WebhookPayload.Verify(sender, http.Request.Headers, body, secret))
        {
            return TypedResults.Problem("The webhook's signature (or GitLab token) does not match the secret.", statusCode: StatusCodes.Status401Unauthorized, title: "Bad signature");
        }

        WebhookPush push;
        try
        {
            push = WebhookPayload.Read(sender, http.Request.Headers, body);
        }
        catch (JsonException ex)
        {
            return TypedResults.Problem("The body is not JSON: " + ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        if (!push.IsPush || push.Deleted)
        {
            return TypedResults.NoContent(); // ping, other events, a deleted branch: nothing to deploy
        }

        if (push.Ref is null || push.Repositories.IsEmpty)
        {
            return TypedResults.Problem("A push event without ref or repository URL.", statusCode: StatusCodes.Status400BadRequest);
        }

        var origin = new JobOrigin("webhook:" + sender, "webhook", http.Connection.RemoteIpAddress?.ToString(), PushReceiver.Reason(push.Ref, push.Rev));
        return await ReceiveAsync(http, receiver, push.Repositories, push.Ref, push.Rev, origin, null, null);
    }

    private static async Task<IResult> PushAsync(PushBody body, HttpContext http, PushReceiver receiver, IJobStore jobs, IHostApplicationLifetime lifetime)
    {
        if (string.IsNullOrWhiteSpace(body.Repository) || string.IsNullOrWhiteSpace(body.Ref))
        {
            return TypedResults.Problem("The body names the repository and the ref: {\"repository\": PATH-OR-URL, \"ref\": \"refs/heads/main\", \"rev\": SHA}.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var origin = JobsApi.Origin(http, "push", PushReceiver.Reason(body.Ref, body.Rev));
        return await ReceiveAsync(http, receiver, [body.Repository], body.Ref, body.Rev, origin, jobs, lifetime);
    }

    /// <summary>Queues the job: 202 with it, 202 with the reason nothing was queued; streamed when the client accepts text/event-stream (and can: jobs given).</summary>
    private static async Task<IResult> ReceiveAsync(HttpContext http, PushReceiver receiver, IReadOnlyList<string> repositories, string @ref, string? rev,
        JobOrigin origin, IJobStore? jobs, IHostApplicationLifetime? lifetime)
    {
        PushReceived received;
        try
        {
            received = await receiver.ReceiveAsync(repositories, @ref, rev, origin, http.RequestAborted);
        }
        catch (JobRequestException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid job request");
        }
        catch (OperationRefusedException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "The provider repo cannot be used");
        }

        var streaming = jobs is not null && lifetime is not null
            && http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
        if (received.Job is not { } job)
        {
            if (streaming)
            {
                // The hook prints data lines and ends on the result: the same shape as a job's stream, with exit code 0.
                var result = new JsonObject { ["state"] = "skipped", ["exitCode"] = 0, ["summary"] = received.Message };
                return TypedResults.Text($"event: progress\ndata: {received.Message}\n\nevent: result\ndata: {result.ToJsonString()}\n\n", "text/event-stream", Encoding.UTF8,
                    StatusCodes.Status202Accepted);
            }

            return TypedResults.Json(new JsonObject { ["message"] = received.Message }, statusCode: StatusCodes.Status202Accepted);
        }

        var self = $"/api/jobs/{job.Id.ToString(CultureInfo.InvariantCulture)}";
        if (streaming && jobs is not null && lifetime is not null)
        {
            http.Response.Headers.Location = self;
            http.Response.Headers["X-Job-Id"] = job.Id.ToString(CultureInfo.InvariantCulture);
            await JobsApi.StreamAsync(http, jobs, lifetime, job.Id, 0);
            return Results.Empty;
        }

        return TypedResults.Accepted(self, new JobCreated(job.Id, job.State, job.Nodes, self, self + "/events"));
    }

    /// <summary>The raw body, once (signatures are over these exact bytes); null when it is longer than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
