using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Provider.Monitor.Storage;

namespace Provider.Benchmarks;

/// <summary>
/// The monitor's SQLite store with LINES synthetic log lines (SyntheticLogs) written through RecordCycleAsync in cycles
/// of 5,000, then 200 searches of eight shapes, each 100 hits a page as the dashboard asks. Baseline in the same run:
/// as many primary-key lookups of one line, each on a fresh pooled read connection, i.e. the floor of any read call.
/// </summary>
public static class MonitorStoreBenchmark
{
    private const int CycleSize = 5000;
    private const int Nodes = 8;
    private const int QueriesPerShape = 25;

    /// <summary>keepIn: a directory to write the database to and leave it there (for EXPLAIN QUERY PLAN); default a temp one, deleted.</summary>
    public static int Run(int lines, string? keepIn)
    {
        var dir = keepIn ?? Directory.CreateTempSubdirectory("hp-monitorbench-").FullName;
        var path = Path.Combine(dir, "monitor.db");
        foreach (var old in keepIn is null ? [] : Directory.GetFiles(dir, "monitor.db*"))
        {
            File.Delete(old);
        }

        try
        {
            return RunAsync(path, lines).GetAwaiter().GetResult();
        }
        finally
        {
            if (keepIn is null)
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static async Task<int> RunAsync(string path, int lineCount)
    {
        var ct = CancellationToken.None;
        var logs = new SyntheticLogs();
        var store = await SqliteMonitorStore.OpenAsync(path, ct);
        await using (store)
        {
            var ingest = Stopwatch.StartNew();
            ingest.Stop();
            for (var written = 0; written < lineCount; written += CycleSize)
            {
                var node = written / CycleSize % Nodes;
                var cycle = new NodeCycle(
                    Snapshot(node, SyntheticLogs.Start.AddSeconds(written / CycleSize * 30)),
                    [],
                    logs.Cycle(node, Math.Min(CycleSize, lineCount - written)),
                    ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("journal", written.ToString(CultureInfo.InvariantCulture))]));
                ingest.Start();
                await store.RecordCycleAsync(cycle, ct);
                ingest.Stop();
            }

            var stored = await store.CountLinesAsync(ct);
            var bytes = new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ingest: {stored:N0} lines in {ingest.Elapsed.TotalSeconds:F1} s = {stored / ingest.Elapsed.TotalSeconds:N0} lines/s (cycles of {CycleSize:N0})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"size: {bytes / 1048576.0:F0} MiB (db + wal) = {bytes / 1048576.0 * 1_000_000 / stored:F0} MiB per million lines"));

            var shapes = Shapes(logs);
            var random = new Random(7);
            foreach (var (_, make) in shapes)
            {
                await store.SearchLogsAsync(await make(store, random), ct); // warm-up: one of each shape
            }

            var rows = await MeasureAsync(store, shapes, QueriesPerShape, random);
            var baseline = Baseline(path, stored, shapes.Count * QueriesPerShape, random);
            Print(rows, baseline);
            Console.WriteLine("\nworst cases, not in the mix above: a residual filter that matches little makes the search walk every line");
            PrintTable(await MeasureAsync(store, WorstCases(logs), 5, random), "5 queries each");

            var retention = Stopwatch.StartNew();
            var deleted = await store.ApplyRetentionAsync(new RetentionPolicy(TimeSpan.FromDays(3650), stored * 9 / 10), ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\nretention by count: {deleted:N0} oldest lines deleted in {retention.Elapsed.TotalSeconds:F1} s = {deleted / retention.Elapsed.TotalSeconds:N0} lines/s, in batches of 10,000"));
            var p95 = Percentile([.. rows.SelectMany(r => r.Ms)], 0.95);
            return p95 <= 50 ? 0 : 2;
        }
    }

    private static async Task<List<(string Shape, List<double> Ms, double Hits)>> MeasureAsync(
        SqliteMonitorStore store, List<(string Name, Func<SqliteMonitorStore, Random, Task<LogQuery>> Make)> shapes, int count, Random random)
    {
        var rows = new List<(string Shape, List<double> Ms, double Hits)>();
        foreach (var (name, make) in shapes)
        {
            var ms = new List<double>();
            var hits = 0;
            for (var i = 0; i < count; i++)
            {
                var query = await make(store, random);
                var watch = Stopwatch.StartNew();
                var page = await store.SearchLogsAsync(query, CancellationToken.None);
                ms.Add(watch.Elapsed.TotalMilliseconds);
                hits += page.Hits.Length;
            }

            rows.Add((name, ms, hits / (double)count));
        }

        return rows;
    }

    private static List<(string Name, Func<SqliteMonitorStore, Random, Task<LogQuery>> Make)> WorstCases(SyntheticLogs logs) =>
    [
        ("no text, level <= 0 (no line matches)", (_, _) => Task.FromResult(new LogQuery(MaxLevel: 0))),
        ("no text, until the first hour", (_, _) => Task.FromResult(new LogQuery(Until: SyntheticLogs.Start.AddHours(1)))),
        ("common word + one nginx-error source", (_, r) => Task.FromResult(
            new LogQuery(logs.Vocabulary[r.Next(5)], Source: $"nginx-error:{SyntheticLogs.EnvironmentName(r.Next(Nodes), r.Next(2))}.example"))),
    ];

    private static List<(string Name, Func<SqliteMonitorStore, Random, Task<LogQuery>> Make)> Shapes(SyntheticLogs logs)
    {
        string Common(Random r) => logs.Vocabulary[r.Next(5)];
        string Mid(Random r) => logs.Vocabulary[20 + r.Next(200)];
        string Rare(Random r) => logs.Vocabulary[2000 + r.Next(1000)];
        string Node(Random r) => SyntheticLogs.NodeName(r.Next(Nodes));
        string Env(Random r) => SyntheticLogs.EnvironmentName(r.Next(Nodes), r.Next(2));
        Func<SqliteMonitorStore, Random, Task<LogQuery>> Of(Func<Random, LogQuery> make) => (_, r) => Task.FromResult(make(r));
        return
        [
            ("common word", Of(r => new LogQuery(Common(r)))),
            ("rare word", Of(r => new LogQuery(Rare(r)))),
            ("unique token", Of(r => new LogQuery(logs.UniqueTokens[r.Next(logs.UniqueTokens.Count)]))),
            ("two words", Of(r => new LogQuery($"{Mid(r)} {Mid(r)}"))),
            ("word + node", Of(r => new LogQuery(Common(r), Node: Node(r)))),
            ("word + environment", Of(r => new LogQuery(Mid(r), Environment: Env(r)))),
            ("no text, env + journal: + level<=4", Of(r => new LogQuery(Environment: Env(r), Source: "journal:", MaxLevel: 4))),
            ("page 2 of a common word", async (store, r) =>
            {
                var word = Common(r);
                var first = await store.SearchLogsAsync(new LogQuery(word), CancellationToken.None);
                return new LogQuery(word, BeforeId: first.NextBeforeId);
            }),
        ];
    }

    /// <summary>The floor of a read call: open a pooled read-only connection and fetch one line by primary key.</summary>
    private static List<double> Baseline(string path, long lines, int count, Random random)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
        var ms = new List<double>();
        for (var i = 0; i < count + 5; i++)
        {
            var watch = Stopwatch.StartNew();
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, node, environment, source, time, level, http_status, message FROM log_lines WHERE id = $id";
            command.Parameters.AddWithValue("$id", random.NextInt64(1, lines + 1));
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    _ = reader.GetString(7);
                }
            }

            if (i >= 5)
            {
                ms.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        return ms;
    }

    private static void PrintTable(List<(string Shape, List<double> Ms, double Hits)> rows, string each)
    {
        Console.WriteLine($"\n| search shape ({each}, limit 100) | p50 ms | p95 ms | p99 ms | avg hits |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (shape, ms, hits) in rows)
        {
            Console.WriteLine(Row(shape, ms, hits.ToString("F0", CultureInfo.InvariantCulture)));
        }
    }

    private static void Print(List<(string Shape, List<double> Ms, double Hits)> rows, List<double> baseline)
    {
        PrintTable(rows, $"{QueriesPerShape} queries each");

        var all = rows.SelectMany(r => r.Ms).ToList();
        Console.WriteLine(Row($"**all {all.Count} searches**", all, ""));
        Console.WriteLine(Row($"baseline: {baseline.Count} primary-key lookups", baseline, "1"));
        var verdict = Percentile(all, 0.95) <= 50 ? "met" : "MISSED";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"\nsearch / baseline: p50 {Percentile(all, 0.5) / Percentile(baseline, 0.5):F0}x, p95 {Percentile(all, 0.95) / Percentile(baseline, 0.95):F0}x; target p95 <= 50 ms: {verdict}"));
    }

    private static string Row(string name, List<double> ms, string hits) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {Percentile(ms, 0.5):F2} | {Percentile(ms, 0.95):F2} | {Percentile(ms, 0.99):F2} | {hits} |");

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static NodeSnapshot Snapshot(int node, DateTimeOffset at) =>
        new(SyntheticLogs.NodeName(node), at, true, null, "gen-1", 1, 0.4, 0.3, 0.2, 8L << 30, 4L << 30, 100L << 30, 60L << 30, 1_000_000, 900_000,
            [], [], [], []);
}
