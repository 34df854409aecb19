using System.Collections.Immutable;

namespace Provider.Monitor.Auth;

/// <summary>Read: see everything. Deploy: also start/cancel deploys and rollbacks. Admin: also manage tokens. Each includes the ones before.</summary>
public enum TokenScope
{
    Read = 1,
    Deploy = 2,
    Admin = 3,
}

/// <summary>A token as listed: never its secret (only the first characters, to recognise it) and never its hash.</summary>
public sealed record ApiToken(long Id, string Name, TokenScope Scope, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>One audited action: who (token name), what (e.g. "login", "login-failed", "deploy", "cancel", "token-create"), from where, details.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset Time, string Actor, string Action, string? RemoteAddress, string Detail);

/// <summary>API tokens, stored only as SHA-256 hashes of their secrets, and the audit log.</summary>
public interface ITokenStore
{
    /// <summary>Creates a token; the secret ("hp_" + 43 base64url characters of 32 random bytes) is returned once and never stored.</summary>
    Task<(ApiToken Token, string Secret)> CreateAsync(string name, TokenScope scope, CancellationToken ct);

    /// <summary>The live (not revoked) token with this secret, with LastUsedAt updated; null otherwise.</summary>
    Task<ApiToken?> VerifyAsync(string secret, CancellationToken ct);

    Task<ImmutableArray<ApiToken>> ListAsync(CancellationToken ct);

    /// <summary>Revokes by name or by id; false when no live token matches.</summary>
    Task<bool> RevokeAsync(string nameOrId, CancellationToken ct);

    /// <summary>Whether any live token exists (serve may listen beyond loopback only then).</summary>
    Task<bool> AnyAsync(CancellationToken ct);

    Task RecordAuditAsync(string actor, string action, string? remoteAddress, string detail, CancellationToken ct);

    /// <summary>Newest first.</summary>
    Task<ImmutableArray<AuditEntry>> ListAuditAsync(int limit, CancellationToken ct);
}
