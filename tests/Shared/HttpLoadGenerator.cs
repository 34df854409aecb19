using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Provider.Testing;

/// <summary>
/// Continuous HTTP GETs at one vhost on one node's port 80 until stopped, over kept-alive client connections
/// (nginx still opens a new upstream connection per request, so every request crosses a slot switch; a fresh
/// client connection per request only exhausts this machine's ephemeral ports). Counts requests, failures
/// (non-200 answers and transport errors) and the first word of every 200 body. Shared, as a linked file, by the
/// zero-downtime test and the load benchmark so both count the same way.
/// </summary>
public sealed class HttpLoadGenerator(IPAddress node, string host) : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, int> answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> errors = new();
    private readonly List<Task> workers = [];
    private int requests;

    public sealed record Result(int Requests, int Failures, IReadOnlyDictionary<string, int> Answers, IReadOnlyCollection<string> Errors)
    {
        public IReadOnlyCollection<string> Bodies => [.. Answers.Keys];

        public string Describe(TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
            $"{Requests} requests in {elapsed.TotalSeconds:0.0} s ({Requests / Math.Max(elapsed.TotalSeconds, 0.001):0} req/s), {Failures} failed; answers: {string.Join(", ", Answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} x{a.Value}"))}");
    }

    public void Start(int concurrency = 4)
    {
        for (var i = 0; i < concurrency; i++)
        {
            workers.Add(Task.Run(WorkAsync));
        }
    }

    private async Task WorkAsync()
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(node, 80), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        for (var n = 0; n < 10_000_000 && !stop.IsCancellationRequested; n++)
        {
            Interlocked.Increment(ref requests);
            try
            {
                using var response = await client.GetAsync(new Uri($"http://{host}/"), stop.Token);
                var body = await response.Content.ReadAsStringAsync(stop.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    answers.AddOrUpdate(body.Split(' ')[0], 1, (_, c) => c + 1);
                }
                else
                {
                    errors.Enqueue($"{(int)response.StatusCode}: {body.Trim()}");
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                Interlocked.Decrement(ref requests); // cut off by Stop, not failed
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                errors.Enqueue(ex.Message);
            }
        }
    }

    public Result Snapshot() => new(Volatile.Read(ref requests), errors.Count, new Dictionary<string, int>(answers, StringComparer.Ordinal), [.. errors]);

    public Result Stop()
    {
        stop.Cancel();
        Task.WaitAll([.. workers], TimeSpan.FromSeconds(20));
        return Snapshot();
    }

    public void Dispose()
    {
        if (!stop.IsCancellationRequested)
        {
            Stop();
        }

        stop.Dispose();
    }
}
