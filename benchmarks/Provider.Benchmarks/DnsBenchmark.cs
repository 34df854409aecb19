using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Provider.Nodes.Dns;

namespace Provider.Benchmarks;

/// <summary>
/// 1,000 vhosts resolved against a local dnsmasq (started here, stopped by PID): the gate's parallel
/// resolver next to the same resolver one lookup at a time, in the same run.
/// </summary>
public static class DnsBenchmark
{
    public static int Run(int count)
    {
        var dir = Directory.CreateTempSubdirectory("hp-dnsbench-").FullName;
        int port;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        }

        var names = Enumerable.Range(0, count).Select(i => $"vhost{i}.bench.test").ToList();
        File.WriteAllLines(Path.Combine(dir, "dnsmasq.conf"), [
            $"port={port}", "listen-address=127.0.0.1", "bind-interfaces", "no-resolv", "no-hosts", "local=/test/", "user=root",
            .. names.Select((n, i) => i % 3 == 0 ? $"cname={n},node-a.bench.test" : $"host-record={n},10.77.{i / 250}.{i % 250}"),
            "host-record=node-a.bench.test,10.77.0.11"]);
        using var dnsmasq = Process.Start(new ProcessStartInfo("dnsmasq", ["-k", "-C", Path.Combine(dir, "dnsmasq.conf")])) ?? throw new InvalidOperationException("dnsmasq");
        try
        {
            Thread.Sleep(500);
            var endpoint = ResolverOptions.ParseNameserver($"127.0.0.1:{port}");
            Measure("warm-up", endpoint, names.Take(50).ToList(), 8);
            var rows = new List<(string Mode, double Ms, int Queries)>();
            for (var round = 0; round < 3; round++)
            {
                rows.Add(Measure("one at a time", endpoint, names, 1));
                rows.Add(Measure("parallel (32)", endpoint, names, 32));
            }

            Console.WriteLine($"| mode | median ms for {count} vhosts | queries | queries/s |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var g in rows.GroupBy(r => r.Mode))
            {
                var ms = g.Select(r => r.Ms).Order().ElementAt(g.Count() / 2);
                var q = g.First().Queries;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {g.Key} | {ms:F0} | {q} | {q / (ms / 1000):F0} |"));
            }

            var seq = rows.Where(r => r.Mode.StartsWith("one", StringComparison.Ordinal)).Select(r => r.Ms).Order().ElementAt(1);
            var par = rows.Where(r => r.Mode.StartsWith("parallel", StringComparison.Ordinal)).Select(r => r.Ms).Order().ElementAt(1);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\nparallel is {seq / par:F1}x faster than one at a time"));
            return 0;
        }
        finally
        {
            dnsmasq.Kill();
            dnsmasq.WaitForExit(5000);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (string Mode, double Ms, int Queries) Measure(string mode, IPEndPoint endpoint, List<string> names, int parallelism)
    {
        var resolver = new VhostResolver(ResolverOptions.Default with { Nameservers = [endpoint], Parallelism = parallelism });
        var sw = Stopwatch.StartNew();
        var result = resolver.ResolveAsync(names, CancellationToken.None).GetAwaiter().GetResult();
        sw.Stop();
        if (result.Values.Any(o => o.Outcome != Provider.Planning.Gate.ResolutionOutcome.Answered))
        {
            throw new InvalidOperationException("some benchmark names did not resolve");
        }

        return (mode, sw.Elapsed.TotalMilliseconds, resolver.QueriesSent);
    }
}
