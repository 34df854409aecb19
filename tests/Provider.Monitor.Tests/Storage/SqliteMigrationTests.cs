using Microsoft.Data.Sqlite;
using Provider.Monitor.Storage;

namespace Provider.Monitor.Tests.Storage;

public class SqliteMigrationTests
{
    [Fact]
    public async Task Open_NewFile_RecordsEveryMigrationOnce_AndReopeningAppliesNothing()
    {
        await using var db = await TempStore.CreateAsync();
        await db.Store.MigrateAsync(CancellationToken.None);
        await db.ReopenAsync();

        Assert.Equal(
            Enumerable.Range(1, SqliteMonitorStore.SchemaVersion).Select(v => (long)v),
            Query(db.DbPath, "SELECT version FROM schema_migrations ORDER BY version").Select(r => (long)r[0]));
        Assert.Equal("wal", Query(db.DbPath, "PRAGMA journal_mode").Single()[0]);
    }

    [Fact]
    public async Task Open_BundledSqlite_HasFts5()
    {
        await using var db = await TempStore.CreateAsync();
        Assert.Equal(1L, Query(db.DbPath, "SELECT sqlite_compileoption_used('ENABLE_FTS5')").Single()[0]);
        Assert.Single(Query(db.DbPath, "SELECT name FROM sqlite_master WHERE name = 'log_fts'"));
    }

    [Fact]
    public async Task Open_DatabaseFromNewerBuild_IsRefusedNamingFileAndVersions()
    {
        await using var db = await TempStore.CreateAsync();
        await db.Store.DisposeAsync();
        var newer = SqliteMonitorStore.SchemaVersion + 1;
        Query(db.DbPath, $"INSERT INTO schema_migrations(version, name, applied_at) VALUES ({newer}, 'from the future', '2030-01-01')");

        var error = await Assert.ThrowsAsync<MonitorStoreVersionException>(() => SqliteMonitorStore.OpenAsync(db.DbPath, CancellationToken.None));
        Assert.Equal(newer, error.FoundVersion);
        Assert.Equal(SqliteMonitorStore.SchemaVersion, error.KnownVersion);
        Assert.Contains(db.DbPath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"schema version {newer}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"up to {SqliteMonitorStore.SchemaVersion}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_VersionOneDatabase_IsUpgraded_AndIndexesEachLineOnce()
    {
        await using var db = await TempStore.CreateAsync();
        await db.RecordAsync(TempStore.Line("written by version one"));
        await db.Store.DisposeAsync();
        // Back to version 1 as it was released: the per-row triggers, no severe-lines index, no service tables, no later migrations.
        Query(db.DbPath, """
            DELETE FROM schema_migrations WHERE version >= 2;
            DROP INDEX ix_log_lines_severe;
            DROP TABLE job_events; DROP TABLE job_nodes; DROP TABLE jobs; DROP TABLE tokens; DROP TABLE audit;
            CREATE TRIGGER log_lines_fts_delete AFTER DELETE ON log_lines BEGIN
                INSERT INTO log_fts(log_fts, rowid, message) VALUES ('delete', old.id, old.message);
            END;
            CREATE TRIGGER log_lines_fts_insert AFTER INSERT ON log_lines BEGIN
                INSERT INTO log_fts(rowid, message) VALUES (new.id, new.message);
            END;
            """);

        await db.ReopenAsync();
        await db.RecordAsync(TempStore.Line("written after the upgrade"));

        Assert.Equal(Enumerable.Range(1, SqliteMonitorStore.SchemaVersion).Select(v => (long)v),
            Query(db.DbPath, "SELECT version FROM schema_migrations ORDER BY version").Select(r => (long)r[0]));
        Assert.Empty(Query(db.DbPath, "SELECT name FROM sqlite_master WHERE name IN ('log_lines_fts_insert', 'log_lines_fts_delete')"));
        Assert.Single(await db.SearchAsync(new("upgrade")));
        Assert.Equal(2, (await db.SearchAsync(new("written"))).Length);
        Query(db.DbPath, "INSERT INTO log_fts(log_fts, rank) VALUES ('integrity-check', 1)");
    }

    internal static List<object[]> Query(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object[]>();
        while (reader.Read())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }
}
