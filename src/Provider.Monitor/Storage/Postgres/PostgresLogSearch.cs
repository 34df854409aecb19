using System.Collections.Immutable;
using Npgsql;
using Provider.Monitor.Storage.Sqlite;

namespace Provider.Monitor.Storage.Postgres;

/// <summary>
/// The log search on PostgreSQL, with SQLite's semantics: newest first by id, keyset-paged by BeforeId; each word of the
/// text must occur, as the phrase of its tokens (phraseto_tsquery over the 'simple' configuration: user text is only
/// ever words, never tsquery syntax); punctuation-only words are matched literally. Highlighting is done here, on the
/// same tokens the index has (FtsText.HighlightTokens), with the same HTML contract as SQLite's.
/// </summary>
internal static class PostgresLogSearch
{
    private const int SevereLevel = 3;

    public static async Task<LogPage> RunAsync(NpgsqlConnection connection, LogQuery query, CancellationToken ct)
    {
        var limit = Math.Clamp(query.Limit, 1, LogSearch.MaxLimit);
        var (indexed, literals) = FtsText.SplitWords(query.Text);
        var (exactSource, sourcePrefix) = LogSearch.SplitSource(query.Source);
        var where = new SqlWhere("@")
            .When(query.BeforeId, p => $"l.id < {p}")
            .When(query.Node, p => $"l.node = {p}")
            .When(query.Environment, p => $"l.environment = {p}")
            .When(exactSource, p => $"l.source = {p}")
            .When(sourcePrefix, p => $"starts_with(l.source, {p})")
            .When(query.MaxLevel, p => $"l.level <= {p}")
            .When(query.Since?.ToUniversalTime(), p => $"l.time >= {p}")
            .When(query.Until?.ToUniversalTime(), p => $"l.time < {p}");
        if (query.MaxLevel <= SevereLevel)
        {
            where.Always($"l.level <= {SevereLevel}");
        }

        foreach (var word in indexed)
        {
            where.When(string.Join(' ', FtsText.Tokens(word)), p => $"l.words @@ phraseto_tsquery('simple', {p})");
        }

        foreach (var literal in literals)
        {
            where.When(literal, p => $"strpos(l.message, {p}) > 0");
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {LogSearch.Columns} FROM log_lines l"
            + where.Sql + " ORDER BY l.id DESC LIMIT @limit";
        where.Bind(command);
        command.Parameters.AddWithValue("@limit", limit + 1);

        return await LogSearch.ReadPageAsync(command, limit, (_, line) => FtsText.HighlightTokens(line.Message, indexed), ct);
    }
}
