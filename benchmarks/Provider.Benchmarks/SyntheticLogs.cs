using System.Collections.Immutable;
using Provider.Monitor.Storage;

namespace Provider.Benchmarks;

/// <summary>
/// Deterministic synthetic log lines for the monitor store benchmark: 8 nodes with 2 environments each; 55 % nginx
/// access lines, 35 % app journal lines, 10 % nginx error lines. Words come from a 3,000-word vocabulary picked with a
/// Zipf distribution (a few very common words, a long tail of rare ones); one app line in 50 carries a unique token.
/// Line times advance 86 ms a line (a million lines span about a day).
/// </summary>
internal sealed class SyntheticLogs
{
    public const int VocabularySize = 3000;
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Syllables = ["ka", "lo", "mi", "ne", "po", "ru", "sa", "te", "vi", "zo", "ba", "de", "fu", "gi", "ho", "ju", "xe", "qua", "tri", "sto"];
    private static readonly string[] Verbs = ["GET", "GET", "GET", "POST", "PUT", "DELETE"];
    private static readonly int[] Statuses = [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 304, 404, 500, 502];

    private readonly Random random = new(20260301);
    private readonly double[] cumulative;
    private long index;

    public SyntheticLogs()
    {
        var words = new SortedSet<string>(StringComparer.Ordinal);
        while (words.Count < VocabularySize)
        {
            words.Add(string.Concat(Enumerable.Range(0, random.Next(2, 5)).Select(_ => Syllables[random.Next(Syllables.Length)])));
        }

        // Shuffled so that frequency rank does not follow alphabetical order.
        Vocabulary = [.. words.OrderBy(_ => random.Next())];
        var weights = Enumerable.Range(1, VocabularySize).Select(rank => 1.0 / rank).ToArray();
        var total = weights.Sum();
        cumulative = new double[VocabularySize];
        var sum = 0.0;
        for (var i = 0; i < VocabularySize; i++)
        {
            sum += weights[i] / total;
            cumulative[i] = sum;
        }
    }

    /// <summary>Words by frequency rank: [0] is the most common.</summary>
    public ImmutableArray<string> Vocabulary { get; }

    /// <summary>Every unique token written so far.</summary>
    public List<string> UniqueTokens { get; } = [];

    public static string NodeName(int n) => $"node-{n:D2}";

    public static string EnvironmentName(int node, int e) => $"env{node:D2}{(char)('a' + e)}";

    public ImmutableArray<LogLine> Cycle(int node, int count)
    {
        var lines = ImmutableArray.CreateBuilder<LogLine>(count);
        for (var i = 0; i < count; i++)
        {
            lines.Add(Next(node));
        }

        return lines.MoveToImmutable();
    }

    private LogLine Next(int node)
    {
        var time = Start.AddMilliseconds(86 * index++);
        var environment = EnvironmentName(node, random.Next(2));
        var kind = random.Next(100);
        if (kind < 55)
        {
            var status = Statuses[random.Next(Statuses.Length)];
            var message = $"10.{random.Next(4)}.{random.Next(256)}.{random.Next(256)} - - \"{Verbs[random.Next(Verbs.Length)]} /{Word()}/{Word()}/{random.Next(100_000)} HTTP/1.1\" "
                + $"{status} {random.Next(200, 60_000)} \"{Word()} {Word()}\" rt=0.{random.Next(1000):D3}";
            return new LogLine(NodeName(node), environment, $"nginx-access:{environment}.example", time, 6, message, status);
        }

        if (kind < 90)
        {
            var level = random.Next(10) switch { 0 => 3, 1 or 2 => 4, 3 => 7, _ => 6 };
            var unique = index % 50 == 0 ? $" trace={NewUnique()}" : "";
            return new LogLine(NodeName(node), environment, $"journal:{environment}.service", time, level,
                $"{Word()} {Word()} {Word()} {Word()} {Word()} {Word()} in {random.Next(1, 900)} ms{unique}");
        }

        return new LogLine(NodeName(node), environment, $"nginx-error:{environment}.example", time, 3,
            $"[error] upstream timed out (110: Connection timed out) while reading {Word()} from upstream, request: \"GET /{Word()}\"");
    }

    private string NewUnique()
    {
        var token = $"zz{index:x}q{random.Next(1 << 20):x}";
        UniqueTokens.Add(token);
        return token;
    }

    private string Word()
    {
        var i = Array.BinarySearch(cumulative, random.NextDouble());
        return Vocabulary[Math.Min(i < 0 ? ~i : i, VocabularySize - 1)];
    }
}
