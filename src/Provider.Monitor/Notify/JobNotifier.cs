using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Provider.Monitor.Jobs;
using Provider.Planning.Model;

namespace Provider.Monitor.Notify;

/// <summary>
/// How notifications are delivered: Attempts posts per target, waiting FirstDelay, then twice as long each time
/// (1, 2, 4, 8 s), or what Retry-After asks up to MaxRetryAfter; Timeout per post; at most Capacity ended jobs
/// waiting (more are dropped and logged); MaxConcurrent posts at once; DrainTimeout to finish on shutdown.
/// </summary>
public sealed record JobNotifierOptions(
    int Attempts,
    TimeSpan FirstDelay,
    TimeSpan MaxRetryAfter,
    TimeSpan Timeout,
    int Capacity,
    int MaxConcurrent,
    TimeSpan DrainTimeout)
{
    public static JobNotifierOptions Default { get; } = new(5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10), 100, 4, TimeSpan.FromSeconds(5));
}

/// <summary>
/// Posts ended jobs to provider.yaml's `notify:` webhooks in the background. <see cref="NotifyAsync"/> only queues, so
/// a slow or failing receiver never delays or fails a job. Failures are logged by target name only: a URL read from
/// urlEnv is a secret (a Slack or Discord webhook URL is its own credential), so no URL is ever logged.
/// Disposing finishes what is queued (up to DrainTimeout), then stops.
/// </summary>
public sealed class JobNotifier : IJobNotifier, IAsyncDisposable
{
    private readonly ImmutableArray<Endpoint> endpoints;
    private readonly JobNotifierOptions options;
    private readonly HttpClient http;
    private readonly bool ownsHttp;
    private readonly TimeProvider time;
    private readonly Action<string>? log;
    private readonly Channel<JobEnded> queue;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;

    /// <param name="targets">From <c>ProviderRepository.ReadNotifyTargets()</c>.</param>
    /// <param name="environment">Reads urlEnv variables; null: the process environment.</param>
    /// <param name="http">Null: a client of its own that does not follow redirects.</param>
    public JobNotifier(
        IEnumerable<NotifyTarget> targets,
        JobNotifierOptions? options = null,
        Action<string>? log = null,
        Func<string, string?>? environment = null,
        HttpClient? http = null,
        TimeProvider? time = null)
    {
        this.options = options ?? JobNotifierOptions.Default;
        this.log = log;
        this.time = time ?? TimeProvider.System;
        ownsHttp = http is null;
        this.http = http ?? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each post has its own timeout
        };
        var env = environment ?? Environment.GetEnvironmentVariable;
        endpoints = [.. targets.Select(t => Resolve(t, env)).OfType<Endpoint>()];
        queue = Channel.CreateBounded<JobEnded>(new BoundedChannelOptions(this.options.Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        loop = Task.Run(RunAsync, CancellationToken.None);
    }

    public ValueTask NotifyAsync(Job job, JobState state, int exitCode, string summary)
    {
        var ended = new JobEnded(job, state, exitCode, summary, job.FinishedAt ?? time.GetUtcNow());
        if (endpoints.Any(e => e.Target.Wants(ended.Event)) && !queue.Writer.TryWrite(ended))
        {
            log?.Invoke($"notify: job {job.Id} not notified: {options.Capacity.ToString(CultureInfo.InvariantCulture)} notifications are already waiting");
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        try
        {
            await loop.WaitAsync(options.DrainTimeout, time);
        }
        catch (TimeoutException)
        {
            log?.Invoke("notify: stopping with notifications still undelivered");
            await stopping.CancelAsync();
            await loop;
        }

        stopping.Dispose();
        if (ownsHttp)
        {
            http.Dispose();
        }
    }

    /// <summary>Where a target posts; null (and logged by name) when its urlEnv holds no usable URL.</summary>
    private Endpoint? Resolve(NotifyTarget target, Func<string, string?> env)
    {
        if (target.Url is { } url)
        {
            return Uri.TryCreate(url, UriKind.Absolute, out var u) ? new Endpoint(target, u) : null;
        }

        var value = target.UrlEnv is { } name ? env(name) : null;
        if (string.IsNullOrWhiteSpace(value))
        {
            log?.Invoke($"notify '{target.Name}': environment variable {target.UrlEnv} is not set; this webhook is skipped");
            return null;
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            log?.Invoke($"notify '{target.Name}': environment variable {target.UrlEnv} does not hold an http(s) URL; this webhook is skipped");
            return null;
        }

        return new Endpoint(target, uri);
    }

    private async Task RunAsync()
    {
        using var slots = new SemaphoreSlim(options.MaxConcurrent);
        var deliveries = new List<Task>();
        try
        {
            await foreach (var ended in queue.Reader.ReadAllAsync(stopping.Token))
            {
                foreach (var endpoint in endpoints.Where(e => e.Target.Wants(ended.Event)))
                {
                    await slots.WaitAsync(stopping.Token);
                    deliveries.RemoveAll(t => t.IsCompleted);
                    deliveries.Add(Task.Run(async () =>
                    {
                        try
                        {
                            await DeliverAsync(endpoint, ended, stopping.Token);
                        }
                        finally
                        {
                            slots.Release();
                        }
                    }, CancellationToken.None));
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        await Task.WhenAll(deliveries);
    }

    /// <summary>Posts with retries; never throws (a stop mid-delivery ends it quietly).</summary>
    private async Task DeliverAsync(Endpoint endpoint, JobEnded ended, CancellationToken ct)
    {
        var name = endpoint.Target.Name;
        var what = $"job {ended.Job.Id.ToString(CultureInfo.InvariantCulture)} ({NotifyNames.Name(ended.Event)})";
        var body = NotifyPayload.Render(endpoint.Target.Format, ended);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (ok, retry, problem, retryAfter) = await PostAsync(endpoint.Uri, body, ct);
                if (ok)
                {
                    return;
                }

                if (!retry || attempt >= options.Attempts)
                {
                    log?.Invoke($"notify '{name}': gave up on {what} after {attempt.ToString(CultureInfo.InvariantCulture)} attempt(s): {problem}");
                    return;
                }

                var delay = retryAfter is { } asked
                    ? TimeSpan.FromTicks(Math.Clamp(asked.Ticks, 0, options.MaxRetryAfter.Ticks))
                    : options.FirstDelay * Math.Pow(2, attempt - 1);
                log?.Invoke($"notify '{name}': {what} attempt {attempt.ToString(CultureInfo.InvariantCulture)} failed: {problem}; retrying in {delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
                await Task.Delay(delay, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            log?.Invoke($"notify '{name}': {what} not delivered: the service stopped");
        }
    }

    /// <summary>One post. Problems are described without the URL (HttpRequestException messages can carry it).</summary>
    private async Task<(bool Ok, bool Retry, string Problem, TimeSpan? RetryAfter)> PostAsync(Uri uri, byte[] body, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("hostenv-provider", null));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (true, false, "", null);
            }

            var retry = status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
            return (false, retry, "HTTP " + status.ToString(CultureInfo.InvariantCulture), retry ? RetryAfter(response.Headers.RetryAfter) : null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, true, $"no answer within {options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", null);
        }
        catch (HttpRequestException ex)
        {
            return (false, true, "cannot connect (" + ex.HttpRequestError.ToString() + ")", null);
        }
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) =>
        header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);

    private sealed record Endpoint(NotifyTarget Target, Uri Uri);
}
