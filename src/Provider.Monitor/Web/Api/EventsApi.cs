using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Provider.Monitor.Web.Api;

/// <summary>
/// GET /api/events: server-sent events, "event: cycle" with data {"node":"..."} each time a node's cycle is stored,
/// and a ": keepalive" comment every KeepAlive. Written by hand rather than with TypedResults.ServerSentEvents
/// because SseItem cannot express a comment line. Ends when the client goes or the server stops.
/// </summary>
public static class EventsApi
{
    public static void Map(RouteGroupBuilder api) => api.MapGet("/events", StreamAsync);

    private static async Task StreamAsync(HttpContext http, MonitorServices m, IHostApplicationLifetime lifetime)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = stop.Token;
        var response = http.Response;
        EventStream.Begin(http);

        using var keepAlive = new PeriodicTimer(m.Options.KeepAlive, m.Clock);
        var events = m.Signal.ListenAsync(ct).GetAsyncEnumerator(ct);
        Task<bool> next = Task.FromResult(true);
        try
        {
            // Subscribe first (the iterator registers its channel synchronously), then send the first frame: a
            // client that has read it has not missed any later cycle. It also sets EventSource's reconnection delay.
            next = events.MoveNextAsync().AsTask();
            await EventStream.WriteAsync(response, "retry: 5000\n\n", ct);
            var tick = keepAlive.WaitForNextTickAsync(ct).AsTask();
            while (true)
            {
                var done = await Task.WhenAny(next, tick);
                if (done == next)
                {
                    if (!await next)
                    {
                        break;
                    }

                    var data = JsonSerializer.Serialize(new CycleEvent(events.Current), ApiJson.Options);
                    await EventStream.WriteAsync(response, $"event: cycle\ndata: {data}\n\n", ct);
                    next = events.MoveNextAsync().AsTask();
                }
                else
                {
                    await tick;
                    await EventStream.WriteAsync(response, ": keepalive\n\n", ct);
                    tick = keepAlive.WaitForNextTickAsync(ct).AsTask();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away or the server is stopping: the stream just ends.
        }
        finally
        {
            // An async iterator may not be disposed while a MoveNextAsync is pending: cancel it and let it finish.
            await stop.CancelAsync();
            await Task.WhenAny(next);
            await events.DisposeAsync();
        }
    }
}
