using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Provider.Benchmarks;

/// <summary>
/// `load ADDRESS HOST SECONDS [CONCURRENCY]`: continuous HTTP GETs at a vhost on one node for a fixed time, over
/// kept-alive client connections (nginx still opens a new upstream connection per request, so every request
/// crosses the slot switch; a fresh client connection per request only exhausts this machine's ephemeral ports). Prints requests, failures and the answers seen.
/// benchmarks/deploy-bench.sh runs it across deploys to count dropped requests.
/// </summary>
public static class LoadBenchmark
{
    public static int Run(string address, string host, int seconds, int concurrency)
    {
        var node = IPAddress.Parse(address);
        var requests = 0;
        var failures = 0;
        var answers = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var sw = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
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
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync(new Uri($"http://{host}/"), stop.Token);
                    var body = await response.Content.ReadAsStringAsync(stop.Token);
                    Interlocked.Increment(ref requests);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        answers.AddOrUpdate(body.Split(' ')[0], 1, (_, n) => n + 1);
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                        errors.Add(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    Interlocked.Increment(ref requests);
                    Interlocked.Increment(ref failures);
                    errors.Add(ex.Message);
                }
            }
        })).ToArray();
        Task.WaitAll(workers);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {requests} requests in {sw.Elapsed.TotalSeconds:0.0} s ({requests / sw.Elapsed.TotalSeconds:0} req/s), {failures} failed; answers: {string.Join(", ", answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} x{a.Value}"))}"));
        foreach (var e in errors.GroupBy(e => e).Take(5))
        {
            Console.WriteLine($"  error x{e.Count()}: {e.Key}");
        }

        return failures == 0 ? 0 : 1;
    }
}
