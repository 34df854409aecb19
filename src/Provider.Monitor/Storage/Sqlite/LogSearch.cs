using System.Collections.Immutable;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Provider.Monitor.Storage.Sql;

namespace Provider.Monitor.Storage.Sqlite;

/// <summary>
/// The log search. Newest first by id (ingest order), keyset-paged by BeforeId. With text, the FTS5 index drives the
/// query (CROSS JOIN keeps it the outer loop) walking rowids downwards, so LIMIT stops it early; the other filters are
/// checked on the joined line. Without text, log_lines is walked by id or through the node/environment/source index
/// (whose entries end with the rowid, so they too come in id order without a sort).
/// </summary>
internal static class LogSearch
{
    public const int MaxLimit = 1000;

    /// <summary>Syslog "err" and worse: the bound of the partial index on severe lines.</summary>
    private const int SevereLevel = 3;

    internal const string Columns = "l.id, l.node, l.environment, l.source, l.time, l.level, l.http_status, l.message";

    public static async Task<LogPage> RunAsync(SqliteConnection connection, LogQuery query, CancellationToken ct)
    {
        var limit = Math.Clamp(query.Limit, 1, MaxLimit);
        await using var command = connection.CreateCommand();
        command.CommandText = BuildSql(query, command);
        command.Parameters.AddWithValue("$limit", limit + 1);

        return await ReadPageAsync(command, limit,
            (reader, line) => FtsText.ToHtml(line.Message, reader.IsDBNull(8) ? null : reader.GetString(8)), ct);
    }

    /// <summary>
    /// Runs a search whose first columns are Columns and whose LIMIT is limit + 1: the page, and where the next one
    /// starts when there was one more. Both backends read their hits here.
    /// </summary>
    internal static async Task<LogPage> ReadPageAsync(DbCommand command, int limit, Func<DbDataReader, LogLine, string> highlight, CancellationToken ct)
    {
        var hits = new List<LogHit>(limit + 1);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var line = new LogLine(
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                SqlRow.Time(reader, 4),
                reader.GetInt32(5),
                reader.GetString(7),
                reader.IsDBNull(6) ? null : reader.GetInt32(6));
            hits.Add(new LogHit(reader.GetInt64(0), line, highlight(reader, line)));
        }

        return hits.Count > limit
            ? new LogPage([.. hits.Take(limit)], hits[limit - 1].Id)
            : new LogPage([.. hits], null);
    }

    /// <summary>The SQL for a query; its parameters are bound to command. Exposed to tests for EXPLAIN QUERY PLAN.</summary>
    internal static string BuildSql(LogQuery query, SqliteCommand command)
    {
        var (match, literals) = FtsText.Parse(query.Text);
        var (exactSource, sourcePrefix) = SplitSource(query.Source);
        var idColumn = match is null ? "l.id" : "log_fts.rowid";
        var where = new SqlWhere()
            .When(match, p => $"log_fts MATCH {p}")
            .When(query.BeforeId, p => $"{idColumn} < {p}")
            .When(query.Node, p => $"l.node = {p}")
            .When(query.Environment, p => $"l.environment = {p}")
            .When(exactSource, p => $"l.source = {p}")
            // substr, not a range on the source index: a range would return its lines in source order and need a sort of all of them.
            .When(sourcePrefix, p => $"substr(l.source, 1, length({p})) = {p}")
            .When(query.MaxLevel, p => $"l.level <= {p}")
            .When(query.Since is { } since ? UnixTime.ToMs(since) : null, p => $"l.time >= {p}")
            .When(query.Until is { } until ? UnixTime.ToMs(until) : null, p => $"l.time < {p}");
        if (query.MaxLevel <= SevereLevel)
        {
            // The bound as a literal lets SQLite prove that the partial index ix_log_lines_severe applies (migration 3).
            where.Always($"l.level <= {SevereLevel}");
        }

        foreach (var literal in literals)
        {
            // A word the index cannot find (punctuation only) is matched literally rather than ignored.
            where.When(literal, p => $"instr(l.message, {p}) > 0");
        }


        where.Bind(command);
        return match is null
            ? $"SELECT {Columns}, NULL FROM log_lines l{where.Sql} ORDER BY l.id DESC LIMIT $limit"
            : $"SELECT {Columns}, highlight(log_fts, 0, char(1), char(2)) FROM log_fts CROSS JOIN log_lines l ON l.id = log_fts.rowid"
                + $"{where.Sql} ORDER BY log_fts.rowid DESC LIMIT $limit";
    }

    /// <summary>A source ending with ':' ("journal:") selects every source it begins; anything else is exact.</summary>
    internal static (string? Exact, string? Prefix) SplitSource(string? source) =>
        string.IsNullOrEmpty(source) ? (null, null)
        : source.EndsWith(':') ? (null, source)
        : (source, null);
}
