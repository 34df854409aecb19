using Microsoft.Data.Sqlite;

namespace Provider.Monitor.Storage.Sqlite;

/// <summary>
/// Deletes log lines in batches, each its own short transaction (the write gate is released between batches, so a
/// collector's cycle never waits behind a whole retention run). The delete trigger keeps the FTS index in step.
/// </summary>
internal static class LogRetention
{
    public const int BatchSize = 10_000;

    /// <summary>Runs one batch on the write connection: lines older than cutoff (ms); returns how many went.</summary>
    public static Task<int> DeleteOlderThanAsync(SqliteConnection connection, long cutoffMs, CancellationToken ct) =>
        DeleteAsync(connection, "SELECT id FROM log_lines WHERE time < $arg LIMIT $batch", cutoffMs, BatchSize, ct);

    /// <summary>Runs one batch on the write connection: the oldest lines by id, at most count of them; returns how many went.</summary>
    public static Task<int> DeleteOldestAsync(SqliteConnection connection, long count, CancellationToken ct) =>
        DeleteAsync(connection, "SELECT id FROM log_lines ORDER BY id LIMIT $batch", 0, (int)Math.Min(count, BatchSize), ct);

    private static async Task<int> DeleteAsync(SqliteConnection connection, string select, long arg, int batch, CancellationToken ct)
    {
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        await using var delete = connection.CreateCommand();
        delete.Transaction = tx;
        delete.CommandText = $"DELETE FROM log_lines WHERE id IN ({select})";
        delete.Parameters.AddWithValue("$arg", arg);
        delete.Parameters.AddWithValue("$batch", batch);
        var deleted = await delete.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return deleted;
    }
}
