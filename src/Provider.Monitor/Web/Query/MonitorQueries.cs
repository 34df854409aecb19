using Microsoft.AspNetCore.Http;
using Provider.Monitor.Storage;

namespace Provider.Monitor.Web.Query;

/// <summary>A parsed request: the value when Problems is empty.</summary>
public sealed record Parsed<T>(T Value, IReadOnlyList<ParameterProblem> Problems)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>The query strings shared by the JSON API and the pages, parsed in one place.</summary>
public static class MonitorQueries
{
    public const int MaxLimit = 500;

    /// <summary>/api/logs and /logs: q, node, env, source, level, since, until, before, limit.</summary>
    public static Parsed<LogQuery> Logs(IQueryCollection query, DateTimeOffset now, int defaultLimit = 100)
    {
        var r = new QueryReader(query, now);
        var value = new LogQuery(
            Text: r.Text("q"),
            Node: r.Text("node"),
            Environment: r.Text("env"),
            Source: r.Text("source"),
            MaxLevel: r.Level("level"),
            Since: r.Time("since"),
            Until: r.Time("until"),
            Limit: r.Limit("limit", defaultLimit, MaxLimit),
            BeforeId: r.Id("before"));
        return new(value, r.Problems);
    }

    /// <summary>/api/history and /history: node, env, limit.</summary>
    public static Parsed<HistoryQuery> History(IQueryCollection query, DateTimeOffset now)
    {
        var r = new QueryReader(query, now);
        return new(new HistoryQuery(r.Text("node"), r.Text("env"), r.Limit("limit", 100, MaxLimit)), r.Problems);
    }

    /// <summary>/api/rates: node, vhost, since (default: the last hour).</summary>
    public static Parsed<RatesQuery> Rates(IQueryCollection query, DateTimeOffset now)
    {
        var r = new QueryReader(query, now);
        return new(new RatesQuery(r.Text("node"), r.Text("vhost"), r.Time("since") ?? now.AddHours(-1)), r.Problems);
    }
}

public sealed record HistoryQuery(string? Node, string? Environment, int Limit);

public sealed record RatesQuery(string? Node, string? Vhost, DateTimeOffset Since);
