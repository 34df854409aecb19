using Npgsql;
using Provider.Monitor.Storage.Postgres;

namespace Provider.Monitor.Tests.Storage;

/// <summary>
/// A fresh database (hp_test_&lt;random&gt;) on the test server named by HOSTENV_TEST_PG, dropped afterwards. Without the
/// variable the PostgreSQL tests fail, saying how to start the server: they are never skipped silently.
/// </summary>
internal sealed class PgTestDatabase : IAsyncDisposable
{
    public const string Variable = "HOSTENV_TEST_PG";

    private readonly string adminConnectionString;

    private PgTestDatabase(string adminConnectionString, string name, string uri)
    {
        this.adminConnectionString = adminConnectionString;
        Name = name;
        Uri = uri;
        ConnectionString = DatabaseUri.ToConnectionString(uri);
    }

    public string Name { get; }

    /// <summary>postgresql://user:password@host:port/hp_test_...</summary>
    public string Uri { get; }

    public string ConnectionString { get; }

    public static async Task<PgTestDatabase> CreateAsync()
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(server))
        {
            throw new InvalidOperationException(
                $"{Variable} is not set, and the PostgreSQL store tests need a server: run `eval \"$(scripts/pg-test up)\"` "
                + "in the repository first (scripts/test does), then run the tests from that shell.");
        }

        var admin = DatabaseUri.ToConnectionString(server);
        var name = "hp_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var uri = new UriBuilder(server) { Path = "/" + name }.Uri.ToString();
        return new PgTestDatabase(admin, name, uri);
    }

    public async Task<List<object?[]>> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add([.. row.Select(v => v is DBNull ? null : v)]);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
