using System.Collections.Immutable;
using System.Data.Common;
using Provider.Monitor.Auth;

namespace Provider.Monitor.Storage.Sql;

/// <summary>API tokens and the audit log on either backend (the SQL is shared). Only a secret's SHA-256 is stored.</summary>
public abstract class SqlTokenStore : ITokenStore
{
    private const string TokenColumns = "id, name, scope, prefix, created_at, last_used_at, revoked_at";

    private readonly ISqlDatabase db;
    private readonly TimeProvider time;

    private protected SqlTokenStore(ISqlDatabase db, TimeProvider time)
    {
        this.db = db;
        this.time = time;
    }

    public async Task<(ApiToken Token, string Secret)> CreateAsync(string name, TokenScope scope, CancellationToken ct)
    {
        TokenSecrets.ValidateName(name);
        var secret = TokenSecrets.NewSecret();
        var now = SqlRow.Now(time);
        try
        {
            var id = await db.WriteAsync(async s => Convert.ToInt64(await s.ScalarAsync(
                "INSERT INTO tokens(name, scope, prefix, hash, created_at) VALUES (@name, @scope, @prefix, @hash, @now) RETURNING id", ct,
                ("@name", name), ("@scope", scope.ToString()), ("@prefix", TokenSecrets.ShownPrefix(secret)),
                ("@hash", TokenSecrets.Hash(secret)), ("@now", db.Time(now))), System.Globalization.CultureInfo.InvariantCulture), ct);
            return (new ApiToken(id, name, scope, TokenSecrets.ShownPrefix(secret), now, null, null), secret);
        }
        catch (DbException e) when (db.IsUniqueViolation(e))
        {
            // The unique index on live names; a hash collision of 256 random bits is not a case to handle.
            throw new TokenNameTakenException(name);
        }
    }

    public async Task<ApiToken?> VerifyAsync(string secret, CancellationToken ct)
    {
        if (!TokenSecrets.LooksLikeSecret(secret))
        {
            return null;
        }

        var now = SqlRow.Now(time);
        var found = await db.WriteAsync(s => s.QueryAsync(
            $"UPDATE tokens SET last_used_at = @now WHERE hash = @hash AND revoked_at IS NULL RETURNING {TokenColumns}",
            ReadToken, ct, ("@now", db.Time(now)), ("@hash", TokenSecrets.Hash(secret))), ct);
        return found.SingleOrDefault();
    }

    public Task<ImmutableArray<ApiToken>> ListAsync(CancellationToken ct) =>
        db.ReadAsync(s => s.QueryAsync($"SELECT {TokenColumns} FROM tokens ORDER BY id", ReadToken, ct), ct);

    public Task<bool> RevokeAsync(string nameOrId, CancellationToken ct)
    {
        // Names are never all digits (TokenSecrets.ValidateName), so a number is an id.
        var (column, key) = long.TryParse(nameOrId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? ("id", (object)id)
            : ("name", nameOrId);
        var now = SqlRow.Now(time);
        return db.WriteAsync(async s => await s.ExecuteAsync(
            $"UPDATE tokens SET revoked_at = @now WHERE {column} = @key AND revoked_at IS NULL", ct, ("@now", db.Time(now)), ("@key", key)) > 0, ct);
    }

    public Task<bool> AnyAsync(CancellationToken ct) =>
        db.ReadAsync(async s => await s.ScalarAsync("SELECT 1 FROM tokens WHERE revoked_at IS NULL LIMIT 1", ct) is not null, ct);

    public Task RecordAuditAsync(string actor, string action, string? remoteAddress, string detail, CancellationToken ct)
    {
        var now = SqlRow.Now(time);
        return db.WriteAsync(s => s.ExecuteAsync(
            "INSERT INTO audit(time, actor, action, remote_address, detail) VALUES (@now, @actor, @action, @remote, @detail)", ct,
            ("@now", db.Time(now)), ("@actor", actor), ("@action", action), ("@remote", remoteAddress), ("@detail", detail)), ct);
    }

    public Task<ImmutableArray<AuditEntry>> ListAuditAsync(int limit, CancellationToken ct) =>
        db.ReadAsync(s => s.QueryAsync(
            "SELECT id, time, actor, action, remote_address, detail FROM audit ORDER BY id DESC LIMIT @limit",
            r => new AuditEntry(r.GetInt64(0), SqlRow.Time(r, 1), r.GetString(2), r.GetString(3), SqlRow.StringOrNull(r, 4), r.GetString(5)),
            ct, ("@limit", Math.Max(0, limit))), ct);

    private static ApiToken ReadToken(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), Enum.Parse<TokenScope>(r.GetString(2)), r.GetString(3),
        SqlRow.Time(r, 4), SqlRow.TimeOrNull(r, 5), SqlRow.TimeOrNull(r, 6));
}
