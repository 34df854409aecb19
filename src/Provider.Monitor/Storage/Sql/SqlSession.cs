using System.Collections.Immutable;
using System.Data.Common;

namespace Provider.Monitor.Storage.Sql;

/// <summary>
/// One connection (and, for a write, its transaction) handed to the SQL both backends share. Parameters are written
/// `@name` (Microsoft.Data.Sqlite and Npgsql both accept it); values are always parameters, null becomes SQL NULL.
/// </summary>
internal sealed class SqlSession(DbConnection connection, DbTransaction? transaction)
{
    public DbCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }

        return command;
    }

    public async Task<int> ExecuteAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<object?> ScalarAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        var value = await command.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }

    public async Task<ImmutableArray<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> row, CancellationToken ct,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = ImmutableArray.CreateBuilder<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(row(reader));
        }

        return rows.ToImmutable();
    }
}

/// <summary>How a backend runs shared SQL: writes in one transaction (serialised as the backend needs), reads on their own connection.</summary>
internal interface ISqlDatabase
{
    /// <summary>Runs work in one transaction, committed when it returns (rolled back when it throws).</summary>
    Task<T> WriteAsync<T>(Func<SqlSession, Task<T>> work, CancellationToken ct);

    Task<T> ReadAsync<T>(Func<SqlSession, Task<T>> work, CancellationToken ct);

    /// <summary>A time as this backend stores it (SQLite: unix ms; PostgreSQL: timestamptz).</summary>
    object Time(DateTimeOffset time);

    /// <summary>The SQL for a parameter holding JSON text, as the JSON column takes it.</summary>
    string Json(string parameter);

    bool IsUniqueViolation(DbException error);
}

/// <summary>Reading the column types both backends use the same way.</summary>
internal static class SqlRow
{
    /// <summary>A time column: unix ms (SQLite) or timestamptz (PostgreSQL), with offset zero.</summary>
    public static DateTimeOffset Time(DbDataReader r, int i) =>
        r.GetFieldType(i) == typeof(long) ? DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i)) : r.GetFieldValue<DateTimeOffset>(i);

    public static DateTimeOffset? TimeOrNull(DbDataReader r, int i) => r.IsDBNull(i) ? null : Time(r, i);

    public static string? StringOrNull(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public static int? IntOrNull(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    /// <summary>Now, cut to whole milliseconds: what SQLite keeps, so a value returned from memory equals the one read back.</summary>
    public static DateTimeOffset Now(TimeProvider time) => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
}
