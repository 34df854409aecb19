using System.Diagnostics;
using System.Globalization;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Planner;

namespace Provider.Benchmarks;

/// <summary>`planner-phases N`: where the planner's time goes (YAML parse, + schema validation, whole plan), median of 7 after warming up to steady state.</summary>
public static class PlannerPhases
{
    public static int Run(int n)
    {
        var input = SyntheticFleet.Generate(n);
        var files = input.Projects.Select(p => p.Manifest).OfType<SourceFile>().ToList();
        double Alloc(Action a)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            a();
            return (GC.GetTotalAllocatedBytes(precise: true) - before) / 1048576.0;
        }

        double Time(Action a)
        {
            PlannerBenchmark.WarmUp(a);

            var samples = new List<double>();
            for (var i = 0; i < 7; i++)
            {
                GC.Collect();
                var sw = Stopwatch.StartNew();
                a();
                samples.Add(sw.Elapsed.TotalMilliseconds);
            }

            return samples.Order().ElementAt(3);
        }

        var parse = Time(() =>
        {
            foreach (var f in files)
            {
                YamlDocument.Parse(f, new DiagnosticBag());
            }
        });
        var docs = files.Select(f => YamlDocument.Parse(f, new DiagnosticBag())).ToList();
        var validate = Time(() =>
        {
            foreach (var d in docs)
            {
                SchemaValidator.Validate(d, SchemaKind.Hostenv, new DiagnosticBag());
            }
        });
        var plan = Time(() => FleetPlanner.Plan(input));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  allocated MB: parse {Alloc(() => files.ForEach(f => YamlDocument.Parse(f, new DiagnosticBag()))):F0}, validate {Alloc(() => docs.ForEach(d => SchemaValidator.Validate(d, SchemaKind.Hostenv, new DiagnosticBag()))):F0}"));
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0Before, gen1Before, gen2Before) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var pauseBefore = GC.GetTotalPauseDuration();
        var fleet = FleetPlanner.Plan(input).Fleet!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  one plan allocates {(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1048576.0:F0} MB; collections gen0/gen1/gen2 {GC.CollectionCount(0) - gen0Before}/{GC.CollectionCount(1) - gen1Before}/{GC.CollectionCount(2) - gen2Before}, GC pauses {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms"));
        var write = Time(() => PlanDocument.Write(fleet));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  plan.json writing alone: {write:F1} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"N={n}: whole plan {plan:F1} ms = YAML parse {parse:F1} ms ({parse / plan:P0}) + schema {validate:F1} ms ({validate / plan:P0}) + the rest {plan - parse - validate:F1} ms"));
        return 0;
    }
}
