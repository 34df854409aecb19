using Provider.Benchmarks;

// dotnet run -c Release --project benchmarks/Provider.Benchmarks -- planner [N ...] | dns [COUNT] | load ADDRESS HOST SECONDS [CONCURRENCY] | monitor-store [LINES [KEEP-DIR]] | monitor-cycle REPO KEY REPEATS VHOST
return args.FirstOrDefault() switch
{
    "planner" => Prepare(args[1..]),
    "dns" => DnsBenchmark.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000),
    "load" => LoadBenchmark.Run(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture),
        args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 4),
    "planner-phases" => PlannerPhases.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000),
    "monitor-cycle" => MonitorCycleBenchmark.Run(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args[4]).GetAwaiter().GetResult(),
    "monitor-store" => MonitorStoreBenchmark.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000, args.ElementAtOrDefault(2)),
    "planner-one" => PlannerBenchmark.RunOne(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Prepare(string[] sizes)
{
    foreach (var n in sizes.Length > 0 ? sizes.Select(int.Parse) : [1000, 10000])
    {
        PlannerBenchmark.PrepareCache(n);
    }

    return PlannerBenchmark.Run(sizes);
}

static int Usage()
{
    Console.Error.WriteLine("usage: Provider.Benchmarks planner [N ...] | dns [COUNT] | monitor-store [LINES [KEEP-DIR]] | monitor-cycle REPO KEY REPEATS VHOST");
    return 1;
}
