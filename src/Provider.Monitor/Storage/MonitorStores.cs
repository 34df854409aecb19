using Provider.Monitor.Auth;
using Provider.Monitor.Jobs;
using Provider.Monitor.Storage.Postgres;

namespace Provider.Monitor.Storage;

/// <summary>
/// The three stores of `serve` on one database: the monitor's, the job queue and the tokens. A postgresql:// (or
/// postgres://) URI opens PostgreSQL (several instances may share it); anything else is an SQLite file path.
/// Disposing closes the database.
/// </summary>
public sealed class MonitorStores : IAsyncDisposable
{
    private MonitorStores(IMonitorStore monitor, IJobStore jobs, ITokenStore tokens, string database, bool shared)
    {
        Monitor = monitor;
        Jobs = jobs;
        Tokens = tokens;
        Database = database;
        IsShared = shared;
    }

    public IMonitorStore Monitor { get; }

    public IJobStore Jobs { get; }

    public ITokenStore Tokens { get; }

    /// <summary>For messages: the SQLite file's full path, or postgresql://user@host:port/dbname (never a password).</summary>
    public string Database { get; }

    /// <summary>PostgreSQL: other instances may use the same database (claims are atomic across them).</summary>
    public bool IsShared { get; }

    /// <summary>
    /// Opens and migrates the database. Throws MonitorStoreVersionException for a database from a newer build,
    /// ArgumentException for a malformed PostgreSQL URI (its message never holds the password), and the provider's
    /// exceptions (SqliteException, NpgsqlException) when it cannot be reached.
    /// </summary>
    public static async Task<MonitorStores> OpenAsync(string db, CancellationToken ct, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(db);
        if (DatabaseUri.IsPostgres(db))
        {
            var postgres = await PostgresMonitorStore.OpenAsync(DatabaseUri.ToConnectionString(db), ct, time);
            return new MonitorStores(postgres, postgres.Jobs, postgres.Tokens, postgres.Database, shared: true);
        }

        var sqlite = await SqliteMonitorStore.OpenAsync(db, ct, time);
        return new MonitorStores(sqlite, sqlite.Jobs, sqlite.Tokens, sqlite.Path, shared: false);
    }

    public ValueTask DisposeAsync() => Monitor.DisposeAsync();
}
