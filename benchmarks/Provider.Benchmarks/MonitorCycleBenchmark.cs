using System.Diagnostics;
using System.Globalization;
using Provider.Monitor.Collection;
using Provider.Monitor.Service;
using Provider.Monitor.Storage;
using Provider.Nodes.Fleet;
using Provider.Nodes.Ssh;

namespace Provider.Benchmarks;

/// <summary>
/// The fleet monitor's collection cycle on the testbed, each figure next to a baseline from the same run: one node's
/// cycle vs one bare `ssh node true` (OpenSSH client, a fresh login like the cycle's) and vs an SSH.NET login running
/// `true`; bytes the cycle brought back vs the new log bytes on the node; every node in parallel vs one node.
/// </summary>
public static class MonitorCycleBenchmark
{
    public static async Task<int> Run(string repo, string key, int repeats, string vhost)
    {
        var fleet = new FleetAccess(repo, key);
        var nodes = fleet.Nodes;
        var node = nodes[0];
        var target = fleet.Target(node);
        var dir = Directory.CreateTempSubdirectory("hostenv-monitor-bench-").FullName;
        try
        {
            await using var store = await SqliteMonitorStore.OpenAsync(Path.Combine(dir, "m.db"), default);
            var collector = new FleetCollector(repo, key, store, new CycleSignal(), CollectorOptions.Default);
            await collector.CollectOnceAsync(default); // first sight: backlog, JIT
            var knownHosts = Path.Combine(Path.GetDirectoryName(key)!, "known_hosts");

            var bare = Measure(repeats, () => Run("ssh", "-i", key, "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={knownHosts}", "-p", target.Port.ToString(CultureInfo.InvariantCulture), $"{target.User}@{target.Host}", "true"));
            var sshNet = await MeasureAsync(repeats, async () =>
            {
                await using var s = await fleet.ConnectAsync(node, default);
                await s.RunAsync(RemoteCommand.Exec("true"), TimeSpan.FromSeconds(30), null, default);
            });
            var one = await MeasureAsync(repeats, () => collector.CollectOnceAsync(default, node));
            var all = await MeasureAsync(repeats, () => collector.CollectOnceAsync(default));

            // New log bytes: requests through nginx between cycles; the access log's growth on the node is the new bytes.
            var address = target.Host;
            var size = () => long.Parse(Run("ssh", "-i", key, "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={knownHosts}", $"{target.User}@{target.Host}",
                $"stat -c %s {Provider.Planning.Planner.HostenvPaths.AccessLog(vhost)}").Trim(), CultureInfo.InvariantCulture);
            var before = size();
            for (var i = 0; i < 200; i++)
            {
                Run("curl", "-s", "-o", "/dev/null", "-H", "Host: " + vhost, $"http://{address}/bench-{i}");
            }

            var grown = size() - before;
            var report = (await collector.CollectOnceAsync(default, node))[0];
            var quiet = (await collector.CollectOnceAsync(default, node))[0];

            Console.WriteLine($"monitor cycle on the testbed ({nodes.Count} nodes, median of {repeats}):");
            Console.WriteLine($"  baseline: bare `ssh {node} true` (OpenSSH)        {Ms(bare),8}");
            Console.WriteLine($"  SSH.NET login + `true`                            {Ms(sshNet),8}   {sshNet / bare,5:0.00}x bare ssh");
            Console.WriteLine($"  one node's cycle ({node})                         {Ms(one),8}   {one / bare,5:0.00}x bare ssh (goal <= 2x)");
            Console.WriteLine($"  all {nodes.Count} nodes' cycle in parallel                   {Ms(all),8}   {all / one,5:0.00}x one node (goal <= 1.5x at 8 nodes)");
            Console.WriteLine($"  200 requests: {grown} new access-log bytes; the cycle brought {report.OutputBytes} bytes ({report.Lines} lines): {(double)report.OutputBytes / grown:0.00}x the new bytes");
            Console.WriteLine($"  a cycle with no new lines brought {quiet.OutputBytes} bytes (state, history, certificates)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string Ms(double seconds) => (seconds * 1000).ToString("0", CultureInfo.InvariantCulture) + " ms";

    private static double Measure(int n, Action action) =>
        Median(Enumerable.Range(0, n).Select(_ =>
        {
            var t = Stopwatch.GetTimestamp();
            action();
            return Stopwatch.GetElapsedTime(t).TotalSeconds;
        }).ToList());

    private static async Task<double> MeasureAsync(int n, Func<Task> action)
    {
        var times = new List<double>();
        for (var i = 0; i < n; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await action();
            times.Add(Stopwatch.GetElapsedTime(t).TotalSeconds);
        }

        return Median(times);
    }

    private static double Median(List<double> xs)
    {
        xs.Sort();
        return xs.Count % 2 == 1 ? xs[xs.Count / 2] : (xs[(xs.Count / 2) - 1] + xs[xs.Count / 2]) / 2;
    }

    private static string Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} exited {p.ExitCode}: {p.StandardError.ReadToEnd()}");
    }
}
