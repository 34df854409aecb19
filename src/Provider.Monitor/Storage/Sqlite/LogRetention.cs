using Microsoft.Data.Sqlite;

namespace Provider.Monitor.Storage.Sqlite;

/// <summary>
/// Deletes log lines in batches, each its own short transaction (the write gate is released between batches, so a
/// collector's cycle never waits behind a whole retention run). The only code that deletes log lines, so the one place
/// that keeps log_fts in step with deletes (migration 4): a batch's ids are collected in a temp table, their index
/// entries removed with one FTS5 'delete' statement, then the lines.
/// </summary>
internal static class LogRetention
{
    public const int BatchSize = Sql.RetentionRun.BatchSize;

    /// <summary>Runs one batch on the write connection: lines older than cutoff (ms); returns how many went.</summary>
    public static Task<int> DeleteOlderThanAsync(SqliteConnection connection, long cutoffMs, CancellationToken ct) =>
        DeleteAsync(connection, "SELECT id FROM log_lines WHERE time < $cutoff LIMIT $batch", cutoffMs, BatchSize, ct);

    /// <summary>Runs one batch on the write connection: the oldest lines by id, at most count of them; returns how many went.</summary>
    public static Task<int> DeleteOldestAsync(SqliteConnection connection, long count, CancellationToken ct) =>
        DeleteAsync(connection, "SELECT id FROM log_lines ORDER BY id LIMIT $batch", 0, (int)Math.Min(count, BatchSize), ct);

    private static async Task<int> DeleteAsync(SqliteConnection connection, string selectIds, long cutoffMs, int batch, CancellationToken ct)
    {
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, tx, "CREATE TEMP TABLE IF NOT EXISTS retention_batch(id INTEGER PRIMARY KEY); DELETE FROM temp.retention_batch;", ct);
        var selected = await ExecuteAsync(connection, tx, $"INSERT INTO temp.retention_batch(id) {selectIds}", ct, ("$cutoff", cutoffMs), ("$batch", batch));
        if (selected > 0)
        {
            await ExecuteAsync(connection, tx, """
                INSERT INTO log_fts(log_fts, rowid, message)
                SELECT 'delete', l.id, l.message FROM temp.retention_batch b JOIN log_lines l ON l.id = b.id;
                DELETE FROM log_lines WHERE id IN (SELECT id FROM temp.retention_batch);
                """, ct);
        }

        await tx.CommitAsync(ct);
        return selected;
    }

    private static async Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction tx, string sql, CancellationToken ct,
        params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(ct);
    }
}
