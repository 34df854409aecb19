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
    public async Task Open_OlderDatabase_IsUpgraded()
    {
        await using var db = await TempStore.CreateAsync();
        await db.Store.DisposeAsync();
        // An "older" database: one that has only the bookkeeping table, as an interrupted first run would leave.
        Query(db.DbPath, "DELETE FROM schema_migrations; DROP TRIGGER log_lines_fts_insert; DROP TRIGGER log_lines_fts_delete; DROP TRIGGER log_lines_fts_update;"
            + " DROP TABLE log_fts; DROP TABLE log_lines; DROP TABLE cursors; DROP TABLE deploy_events; DROP TABLE node_snapshots; DROP TABLE nodes;");
        await db.ReopenAsync();

        await db.RecordAsync(TempStore.Line("upgraded fine"));
        Assert.Equal(1, await db.Store.CountLinesAsync(CancellationToken.None));
        Assert.Equal(SqliteMonitorStore.SchemaVersion, (long)Query(db.DbPath, "SELECT max(version) FROM schema_migrations").Single()[0]);
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
