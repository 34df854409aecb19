using System.Diagnostics;
using System.Net;
using Provider.Testing;

namespace Provider.Benchmarks;

/// <summary>
/// `load ADDRESS HOST SECONDS [CONCURRENCY]`: continuous HTTP GETs at a vhost on one node for a fixed time (the
/// same generator the zero-downtime test uses). Prints requests, failures and the answers seen; exit 1 on any
/// failure. benchmarks/deploy-bench.sh runs it across deploys to count dropped requests.
/// </summary>
public static class LoadBenchmark
{
    public static int Run(string address, string host, int seconds, int concurrency)
    {
        using var load = new HttpLoadGenerator(IPAddress.Parse(address), host);
        var sw = Stopwatch.StartNew();
        load.Start(concurrency);
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var result = load.Stop();
        Console.WriteLine("load: " + result.Describe(sw.Elapsed));
        foreach (var e in result.Errors.GroupBy(e => e, StringComparer.Ordinal).Take(5))
        {
            Console.WriteLine($"  error x{e.Count()}: {e.Key}");
        }

        return result.Failures == 0 ? 0 : 1;
    }
}
