using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Provider.Monitor.Tests.Notify;

/// <summary>What a receiver answers to its nth request (0-based): a status, maybe a Retry-After, maybe after a pause.</summary>
public sealed record Answer(int Status, string? RetryAfter = null, TimeSpan Pause = default);

/// <summary>One request as the receiver saw it, with the time since the receiver started.</summary>
public sealed record Received(string Path, string ContentType, string Body, TimeSpan At);

/// <summary>A real Kestrel server on 127.0.0.1 with a port of its choosing that records every request and answers as scripted.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<Received> received = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private int count;

    private WebhookReceiver(WebApplication app) => this.app = app;

    public IReadOnlyList<Received> Requests => [.. received];

    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    public static async Task<WebhookReceiver> StartAsync(Func<int, Answer>? script = null)
    {
        script ??= _ => new Answer(200);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var n = Interlocked.Increment(ref receiver.count) - 1;
            receiver.received.Enqueue(new Received(context.Request.Path + context.Request.QueryString, context.Request.ContentType ?? "", body, receiver.clock.Elapsed));
            var answer = script(n);
            if (answer.Pause > TimeSpan.Zero)
            {
                await Task.Delay(answer.Pause, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            context.Response.StatusCode = answer.Status;
            if (answer.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }
        });
        await app.StartAsync();
        var address = app.Urls.First();
        receiver.Address = new Uri(address.TrimEnd('/') + "/");
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="n"/> requests arrived (or fails after a while).</summary>
    public async Task<IReadOnlyList<Received>> WaitForAsync(int n, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        while (received.Count < n)
        {
            Assert.True(deadline.Elapsed < (within ?? TimeSpan.FromSeconds(15)), $"only {received.Count} of {n} requests arrived");
            await Task.Delay(10);
        }

        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
