using Provider.Monitor.Auth;
using Provider.Monitor.Jobs;
using Provider.Monitor.Tests.Storage;

namespace Provider.Monitor.Tests.Service;

/// <summary>A job and token store on a fresh database of one backend, with raw SQL access to check what is stored.</summary>
public interface IServiceStoreHandle : IAsyncDisposable
{
    IJobStore Jobs { get; }

    ITokenStore Tokens { get; }

    /// <summary>Every row of a query, as the provider returns it.</summary>
    Task<List<object?[]>> QueryAsync(string sql);
}

internal sealed class SqliteServiceStore(TempStore db) : IServiceStoreHandle
{
    public IJobStore Jobs => db.Store.Jobs;

    public ITokenStore Tokens => db.Store.Tokens;

    public static async Task<IServiceStoreHandle> CreateAsync() => new SqliteServiceStore(await TempStore.CreateAsync());

    public Task<List<object?[]>> QueryAsync(string sql) =>
        Task.FromResult(SqliteMigrationTests.Query(db.DbPath, sql).Select(r => r.Select(v => v is DBNull ? null : v).ToArray()).ToList());

    public ValueTask DisposeAsync() => db.DisposeAsync();
}
