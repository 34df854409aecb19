using System.Data.Common;

namespace Provider.Monitor.Storage.Sql;

/// <summary>A numbered schema change. A migration is never edited once released: a change is a new migration with the next number.</summary>
internal sealed record SchemaMigration(int Version, string Name, string Sql);

/// <summary>
/// Applies the migrations a database lacks, each once, in its own transaction, recorded in schema_migrations; refuses a
/// database written by a newer build. The caller serialises concurrent migrators (SQLite: the write gate; PostgreSQL:
/// an advisory lock).
/// </summary>
internal static class SchemaMigrator
{
    public static async Task MigrateAsync(DbConnection connection, IReadOnlyList<SchemaMigration> all, string database, CancellationToken ct)
    {
        var latest = all[^1].Version;
        await new SqlSession(connection, null).ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)", ct);
        var applied = (await new SqlSession(connection, null).QueryAsync("SELECT version FROM schema_migrations", r => r.GetInt32(0), ct)).ToHashSet();
        var newest = applied.Count == 0 ? 0 : applied.Max();
        if (newest > latest)
        {
            throw new MonitorStoreVersionException(database, newest, latest);
        }

        foreach (var migration in all.Where(m => !applied.Contains(m.Version)))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var session = new SqlSession(connection, tx);
            await session.ExecuteAsync(migration.Sql, ct);
            await session.ExecuteAsync("INSERT INTO schema_migrations(version, name, applied_at) VALUES (@v, @n, @at)", ct,
                ("@v", migration.Version), ("@n", migration.Name),
                ("@at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
            await tx.CommitAsync(ct);
        }
    }
}

/// <summary>Retention's order of work, the same on both backends: by age in batches, then the oldest until at most MaxLines remain.</summary>
internal static class RetentionRun
{
    public const int BatchSize = 10_000;

    /// <param name="deleteOlderThan">One batch (at most BatchSize) of lines older than the cutoff; how many went.</param>
    /// <param name="deleteOldest">One batch of at most min(count, BatchSize) of the oldest lines; how many went.</param>
    public static async Task<long> RunAsync(DateTimeOffset cutoff, long maxLines, Func<DateTimeOffset, Task<int>> deleteOlderThan,
        Func<long, Task<int>> deleteOldest, Func<Task<long>> countLines)
    {
        long deleted = 0;
        int batch;
        do
        {
            batch = await deleteOlderThan(cutoff);
            deleted += batch;
        }
        while (batch == BatchSize);

        for (var excess = await countLines() - maxLines; excess > 0; excess -= batch)
        {
            batch = await deleteOldest(excess);
            deleted += batch;
            if (batch == 0)
            {
                break;
            }
        }

        return deleted;
    }
}
