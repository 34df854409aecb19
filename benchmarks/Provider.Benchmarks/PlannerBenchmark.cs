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
/// Each measurement runs in a fresh child process so its peak RSS (VmHWM) is its own.
/// </summary>
public static class PlannerBenchmark
{
    private const int WarmupIterations = 2;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static int Run(string[] args)
    {
        var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1000, 10000];
        const int repeats = 5;
        var rows = new List<(int N, string Mode, double Ms, double PeakMb)>();
        foreach (var n in sizes)
        {
            // Interleave baseline and planner samples so a noisy machine slows both alike.
            var samples = new Dictionary<string, List<(double Ms, double PeakMb)>> { ["baseline"] = [], ["planner"] = [] };
            for (var i = 0; i < repeats; i++)
            {
                foreach (var mode in new[] { "baseline", "planner" })
                {
                    samples[mode].Add(Child(mode, n));
                }
            }

            foreach (var (mode, list) in samples)
            {
                var ms = list.Select(s => s.Ms).Order().ElementAt(repeats / 2);
                var peak = list.Select(s => s.PeakMb).Order().ElementAt(repeats / 2);
                rows.Add((n, mode, ms, peak));
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {mode,-8} N={n,6}: median {ms,9:F1} ms, peak RSS {peak,7:F1} MB  (samples: {string.Join(", ", list.Select(s => s.Ms.ToString("F0", CultureInfo.InvariantCulture)))})"));
            }
        }

        Console.WriteLine("| environments | baseline ms | planner ms | planner / baseline | baseline peak MB | planner peak MB |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var n in sizes)
        {
            var b = rows.Single(r => r.N == n && r.Mode == "baseline");
            var p = rows.Single(r => r.N == n && r.Mode == "planner");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {n} | {b.Ms:F1} | {p.Ms:F1} | {p.Ms / b.Ms:F2}x | {b.PeakMb:F1} | {p.PeakMb:F1} |"));
        }

        if (sizes.Length >= 2)
        {
            var small = rows.Single(r => r.N == sizes[0] && r.Mode == "planner");
            var large = rows.Single(r => r.N == sizes[^1] && r.Mode == "planner");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\nscaling: {sizes[^1] / sizes[0]}x the input costs {large.Ms / small.Ms:F2}x the planner time (target <= 11x)"));
        }

        return 0;
    }

    /// <summary>
    /// Runs one measurement in this process. Both modes get the same treatment: input generation is not
    /// timed, and two untimed warm-up iterations at full size let the JIT reach optimised code first
    /// (the baseline's System.Text.Json is precompiled; our code and JsonSchema.Net are not).
    /// </summary>
    public static int RunOne(string mode, int n)
    {
        var input = SyntheticFleet.Generate(n);
        var plan = mode == "planner" ? null : PlanShape(input); // the baseline's JSON exists before timing
        for (var i = 0; i < WarmupIterations; i++)
        {
            Measure(mode, input, plan);
        }

        GC.Collect();
        var sw = Stopwatch.StartNew();
        var bytes = Measure(mode, input, plan);
        sw.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sw.Elapsed.TotalMilliseconds:F3} {PeakRssMb():F1} {bytes}"));
        return 0;
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

    private static (double Ms, double PeakMb) Child(string mode, int n)
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
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static double PeakRssMb()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
