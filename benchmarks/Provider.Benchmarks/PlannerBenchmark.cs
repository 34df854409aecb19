using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Provider.Planning.Planner;
using YamlDotNet.RepresentationModel;

namespace Provider.Benchmarks;

/// <summary>
/// Planner time and peak memory at 1,000 and 10,000 environments, next to a baseline measured in the
/// same run: parse the same YAML (YamlDotNet) and serialize the same plan JSON (System.Text.Json).
/// Each measurement runs in a fresh child process so its peak RSS (VmHWM) is its own; the reported time is
/// the median over the children of each child's cold and warm time.
/// </summary>
public static class PlannerBenchmark
{
    private const int MaxWarmupIterations = 200;

    private static readonly TimeSpan MinWarmup = TimeSpan.FromSeconds(4);

    private const int TimedIterations = 5;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static int Run(string[] args)
    {
        var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1000, 10000];
        const int repeats = 5;
        var rows = new List<(int N, string Mode, Sample Median)>();
        foreach (var n in sizes)
        {
            // Interleave baseline and planner children so a noisy machine slows both alike.
            var samples = new Dictionary<string, List<Sample>> { ["baseline"] = [], ["planner"] = [] };
            for (var i = 0; i < repeats; i++)
            {
                foreach (var mode in new[] { "baseline", "planner" })
                {
                    samples[mode].Add(Child(mode, n));
                }
            }

            foreach (var (mode, list) in samples)
            {
                static double Median(IEnumerable<double> xs) => xs.Order().ElementAt(repeats / 2);
                var median = new Sample(Median(list.Select(s => s.ColdMs)), Median(list.Select(s => s.WarmMs)), Median(list.Select(s => s.PeakMb)));
                rows.Add((n, mode, median));
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {mode,-8} N={n,6}: cold {median.ColdMs,7:F1} ms, warm {median.WarmMs,7:F1} ms, peak RSS {median.PeakMb,6:F1} MB  (warm samples: {string.Join(", ", list.Select(s => s.WarmMs.ToString("F0", CultureInfo.InvariantCulture)))}; warm-up runs: {string.Join(", ", list.Select(s => s.Warmups))})"));
            }
        }

        Console.WriteLine("| environments | run | baseline ms | planner ms | planner / baseline |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        foreach (var n in sizes)
        {
            var b = rows.Single(r => r.N == n && r.Mode == "baseline").Median;
            var p = rows.Single(r => r.N == n && r.Mode == "planner").Median;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {n} | cold (first in a fresh process) | {b.ColdMs:F1} | {p.ColdMs:F1} | {p.ColdMs / b.ColdMs:F2}x |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {n} | warm (JIT quiet) | {b.WarmMs:F1} | {p.WarmMs:F1} | {p.WarmMs / b.WarmMs:F2}x |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {n} | peak RSS MB | {b.PeakMb:F1} | {p.PeakMb:F1} | {p.PeakMb / b.PeakMb:F2}x |"));
        }

        if (sizes.Length >= 2)
        {
            var small = rows.Single(r => r.N == sizes[0] && r.Mode == "planner").Median;
            var large = rows.Single(r => r.N == sizes[^1] && r.Mode == "planner").Median;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\nscaling: {sizes[^1] / sizes[0]}x the input costs {large.ColdMs / small.ColdMs:F2}x (cold) / {large.WarmMs / small.WarmMs:F2}x (warm) the planner time (target <= 11x)"));
        }

        return 0;
    }

    private sealed record Sample(double ColdMs, double WarmMs, double PeakMb, int Warmups = 0);

    /// <summary>
    /// Runs one measurement in this process; both modes get the same treatment and input generation is never
    /// timed. Cold: the first run, JIT included, as one `hostenv-provider plan` pays it. Warm: after at least
    /// <see cref="MinWarmup"/> of runs ending with two runs that compiled no method (at most
    /// <see cref="MaxWarmupIterations"/>; a fixed 2 or 10 warm-ups measured tiered compilation at work, not the code), the median of <see cref="TimedIterations"/>, each after a full
    /// collection.
    /// </summary>
    public static int RunOne(string mode, int n)
    {
        var input = SyntheticFleet.Generate(n);
        var plan = mode == "planner" ? null : PlanShape(input); // the baseline's JSON exists before timing
        var sw = Stopwatch.StartNew();
        var bytes = Measure(mode, input, plan);
        var cold = sw.Elapsed.TotalMilliseconds;
        var warmups = 1 + WarmUp(() => Measure(mode, input, plan));

        var samples = new List<double>();
        for (var i = 0; i < TimedIterations; i++)
        {
            GC.Collect();
            sw.Restart();
            bytes = Measure(mode, input, plan);
            samples.Add(sw.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cold:F3} {samples.Order().ElementAt(TimedIterations / 2):F3} {PeakRssMb():F1} {bytes} {warmups}"));
        return 0;
    }

    /// <summary>
    /// Runs an action until steady state: at least MinWarmup of runs, ending with two runs in a row during which
    /// the JIT compiled nothing. Tiered compilation re-compiles hot methods for dozens of runs here (JsonSchema.Net
    /// alone has hundreds), and it waits 100 ms between call-counting rounds, so JIT-quiet runs alone can come too
    /// early. Returns the number of runs.
    /// </summary>
    public static int WarmUp(Action action)
    {
        var runs = 0;
        var warming = Stopwatch.StartNew();
        for (var quiet = 0; (quiet < 2 || warming.Elapsed < MinWarmup) && runs < MaxWarmupIterations; runs++)
        {
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            action();
            quiet = System.Runtime.JitInfo.GetCompiledMethodCount() == compiled ? quiet + 1 : 0;
        }

        return runs;
    }

    private static long Measure(string mode, PlanInput input, JsonNode? plan)
    {
        if (mode == "planner")
        {
            var result = FleetPlanner.Plan(input);
            if (!result.Success || result.PlanJson is null || result.StateJson is null)
            {
                throw new InvalidOperationException("synthetic fleet failed to plan: " + string.Join("\n", result.Diagnostics.Select(d => d.Format())));
            }

            return result.PlanJson.Length + result.StateJson.Length;
        }

        // Baseline: the unavoidable work, parse every YAML file and serialize a JSON document of the plan's size.
        var files = input.Nodes.Select(n => n.File.Text).Append(input.Provider.Text).Concat(input.Projects.Select(p => p.Manifest?.Text ?? ""));
        var count = 0;
        foreach (var text in files)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            count += stream.Documents.Count;
        }

        return JsonSerializer.SerializeToUtf8Bytes(plan, Indented).Length + count;
    }

    /// <summary>The plan JSON for this input, prepared before timing (PrepareCache); reading it is part of the baseline's work.</summary>
    private static JsonNode PlanShape(PlanInput input)
    {
        var cache = Path.Combine(Path.GetTempPath(), $"hostenv-bench-plan-{input.Projects.Length}.json");
        return JsonNode.Parse(File.ReadAllText(cache)) ?? throw new InvalidOperationException("empty cache " + cache);
    }

    /// <summary>Writes the plan JSON the baseline serializes, before any timing starts.</summary>
    public static void PrepareCache(int n)
    {
        foreach (var size in new[] { 50, n })
        {
            var input = SyntheticFleet.Generate(size);
            var result = FleetPlanner.Plan(input);
            File.WriteAllBytes(Path.Combine(Path.GetTempPath(), $"hostenv-bench-plan-{input.Projects.Length}.json"), result.PlanJson ?? []);
        }
    }

    private static Sample Child(string mode, int n)
    {
        var self = Environment.ProcessPath ?? "dotnet";
        var dll = typeof(PlannerBenchmark).Assembly.Location;
        var psi = self.EndsWith("dotnet", StringComparison.Ordinal)
            ? new ProcessStartInfo(self, [dll, "planner-one", mode, n.ToString(CultureInfo.InvariantCulture)])
            : new ProcessStartInfo(self, ["planner-one", mode, n.ToString(CultureInfo.InvariantCulture)]);
        psi.RedirectStandardOutput = true;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start child");
        var line = p.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
        p.WaitForExit();
        var parts = line.Split(' ');
        return new Sample(double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture),
            double.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[4], CultureInfo.InvariantCulture));
    }

    private static double PeakRssMb()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
