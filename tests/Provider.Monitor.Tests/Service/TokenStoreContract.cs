using Provider.Monitor.Auth;

namespace Provider.Monitor.Tests.Service;

/// <summary>What every ITokenStore does, run against each backend by a subclass.</summary>
public abstract class TokenStoreContract
{
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract Task<IServiceStoreHandle> OpenAsync();

    [Fact]
    public async Task Create_ReturnsASecretThatVerifies_AndUpdatesLastUsed()
    {
        await using var db = await OpenAsync();
        var (token, secret) = await db.Tokens.CreateAsync("ci-bot", TokenScope.Deploy, None);

        Assert.Matches("^hp_[A-Za-z0-9_-]{43}$", secret);
        Assert.Equal(secret[..10], token.Prefix);
        Assert.Null(token.LastUsedAt);
        var verified = await db.Tokens.VerifyAsync(secret, None);
        Assert.NotNull(verified);
        Assert.Equal((token.Id, "ci-bot", TokenScope.Deploy), (verified.Id, verified.Name, verified.Scope));
        Assert.NotNull(verified.LastUsedAt);
        Assert.NotNull((await db.Tokens.ListAsync(None)).Single().LastUsedAt);
        Assert.Null(await db.Tokens.VerifyAsync(secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'), None));
        Assert.Null(await db.Tokens.VerifyAsync("hp_short", None));
        Assert.Null(await db.Tokens.VerifyAsync("", None));
    }

    [Fact]
    public async Task Create_StoresOnlyTheHash_AndListingNeverShowsTheSecret()
    {
        await using var db = await OpenAsync();
        var (_, secret) = await db.Tokens.CreateAsync("laptop", TokenScope.Admin, None);

        var rows = await db.QueryAsync("SELECT * FROM tokens");
        var stored = string.Join("|", rows.Single().Select(v => v?.ToString()));
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[10..], stored, StringComparison.Ordinal);
        Assert.Contains(TokenSecrets.Hash(secret), stored, StringComparison.Ordinal);

        var listed = Assert.Single(await db.Tokens.ListAsync(None));
        Assert.Equal(("laptop", TokenScope.Admin, secret[..10]), (listed.Name, listed.Scope, listed.Prefix));
        Assert.DoesNotContain(secret, listed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_ByNameOrId_StopsVerification_AndFreesTheName()
    {
        await using var db = await OpenAsync();
        Assert.False(await db.Tokens.AnyAsync(None));
        var (first, firstSecret) = await db.Tokens.CreateAsync("deployer", TokenScope.Deploy, None);
        var (second, secondSecret) = await db.Tokens.CreateAsync("reader", TokenScope.Read, None);
        Assert.True(await db.Tokens.AnyAsync(None));

        Assert.True(await db.Tokens.RevokeAsync("deployer", None));
        Assert.True(await db.Tokens.RevokeAsync(second.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), None));
        Assert.False(await db.Tokens.RevokeAsync("deployer", None));
        Assert.False(await db.Tokens.RevokeAsync("nobody", None));

        Assert.Null(await db.Tokens.VerifyAsync(firstSecret, None));
        Assert.Null(await db.Tokens.VerifyAsync(secondSecret, None));
        Assert.False(await db.Tokens.AnyAsync(None));
        Assert.All(await db.Tokens.ListAsync(None), t => Assert.NotNull(t.RevokedAt));

        var (again, againSecret) = await db.Tokens.CreateAsync("deployer", TokenScope.Deploy, None);
        Assert.NotEqual(first.Id, again.Id);
        Assert.Equal(again.Id, (await db.Tokens.VerifyAsync(againSecret, None))?.Id);
    }

    [Fact]
    public async Task Create_DuplicateLiveName_IsRefusedClearly()
    {
        await using var db = await OpenAsync();
        await db.Tokens.CreateAsync("ci-bot", TokenScope.Deploy, None);

        var error = await Assert.ThrowsAsync<TokenNameTakenException>(() => db.Tokens.CreateAsync("ci-bot", TokenScope.Read, None));

        Assert.Contains("\"ci-bot\" already exists", error.Message, StringComparison.Ordinal);
        Assert.Single(await db.Tokens.ListAsync(None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("has space")]
    public async Task Create_BadName_IsRefused(string name)
    {
        await using var db = await OpenAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => db.Tokens.CreateAsync(name, TokenScope.Read, None));
    }

    [Fact]
    public async Task Audit_ListsNewestFirst()
    {
        await using var db = await OpenAsync();
        await db.Tokens.RecordAuditAsync("alice", "login", "10.0.0.1", "", None);
        await db.Tokens.RecordAuditAsync("alice", "deploy", null, "job 1", None);
        await db.Tokens.RecordAuditAsync("webhook:github", "deploy", "192.0.2.1", "job 2", None);

        var entries = await db.Tokens.ListAuditAsync(10, None);
        Assert.Equal(["job 2", "job 1", ""], entries.Select(e => e.Detail));
        Assert.Equal(("webhook:github", "deploy", "192.0.2.1"), (entries[0].Actor, entries[0].Action, entries[0].RemoteAddress));
        Assert.Null(entries[1].RemoteAddress);
        Assert.Equal(2, (await db.Tokens.ListAuditAsync(2, None)).Length);
    }
}

public sealed class SqliteTokenStoreTests : TokenStoreContract
{
    protected override Task<IServiceStoreHandle> OpenAsync() => SqliteServiceStore.CreateAsync();
}
