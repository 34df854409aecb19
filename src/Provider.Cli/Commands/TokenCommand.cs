using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Provider.Cli.Output;
using Provider.Monitor.Auth;
using Provider.Monitor.Storage;
using Provider.Planning.Output;

namespace Provider.Cli.Commands;

/// <summary>
/// `token create|list|revoke`: the API tokens `serve` accepts (Bearer header or the dashboard's sign-in), kept
/// in serve's database as hashes only. The secret is printed once, by create, to stdout.
/// </summary>
public static class TokenCommand
{
    public sealed record CreateArguments(string Db, string Name, TokenScope Scope);

    public sealed record ListArguments(string Db, string Format);

    public sealed record RevokeArguments(string Db, string NameOrId);

    private static readonly Argument<string> Name = new("name") { Description = "The token's name: who or what uses it (letters, digits, . _ - @ :)." };

    private static readonly Argument<string> NameOrId = new("name-or-id") { Description = "The token's name or its id (token list shows both)." };

    private static readonly Option<string> ScopeOption = new("--scope")
    {
        Description = "read: see everything; deploy: also deploy, roll back and cancel; admin: also the audit log.",
        Required = true,
    };

    static TokenCommand() => ScopeOption.AcceptOnlyFromAmong("read", "deploy", "admin");

    public static Command Create(CliConsole console)
    {
        var token = new Command("token", "Manage the API tokens `serve` accepts: create (prints the secret once), list, revoke.");

        var create = new Command("create", "Create a token; its secret goes to stdout once and is stored only as a hash.");
        create.Arguments.Add(Name);
        create.Options.Add(ScopeOption);
        create.Options.Add(ServeCommand.Db);
        create.SetAction((r, ct) => CreateAsync(
            new CreateArguments(Db(r), r.GetValue(Name) ?? string.Empty, Enum.Parse<TokenScope>(r.GetValue(ScopeOption) ?? "read", ignoreCase: true)), console, ct));

        var list = new Command("list", "List the tokens (never their secrets): id, name, scope, first characters, created, last used, revoked.");
        list.Options.Add(CommonOptions.Format);
        list.Options.Add(ServeCommand.Db);
        list.SetAction((r, ct) => ListAsync(new ListArguments(Db(r), r.GetValue(CommonOptions.Format) ?? "text"), console, ct));

        var revoke = new Command("revoke", "Revoke a token by name or id: requests and dashboard sessions with it are refused from then on.");
        revoke.Arguments.Add(NameOrId);
        revoke.Options.Add(ServeCommand.Db);
        revoke.SetAction((r, ct) => RevokeAsync(new RevokeArguments(Db(r), r.GetValue(NameOrId) ?? string.Empty), console, ct));

        token.Subcommands.Add(create);
        token.Subcommands.Add(list);
        token.Subcommands.Add(revoke);
        return token;
    }

    public static async Task<int> CreateAsync(CreateArguments args, CliConsole console, CancellationToken ct)
    {
        await using var store = await ServeCommand.OpenStoreAsync(args.Db, ct);
        ApiToken token;
        string secret;
        try
        {
            (token, secret) = await store.Tokens.CreateAsync(args.Name, args.Scope, ct);
        }
        catch (Exception ex) when (ex is ArgumentException or TokenNameTakenException)
        {
            throw new UserException(ex.Message);
        }

        await store.Tokens.RecordAuditAsync(Actor(), "token-create", null, $"token '{token.Name}' ({Scope(token.Scope)}), id {Id(token.Id)}", ct);
        console.Out.WriteLine(secret);
        console.Error.WriteLine($"created token '{token.Name}' (id {Id(token.Id)}, scope {Scope(token.Scope)}) in {args.Db}. " +
            "The secret above is shown only this once: keep it now. Send it as 'Authorization: Bearer <secret>' or type it on serve's /login page; " +
            "a running serve turns authentication on when restarted.");
        return ExitCodes.Success;
    }

    public static async Task<int> ListAsync(ListArguments args, CliConsole console, CancellationToken ct)
    {
        await using var store = await ServeCommand.OpenStoreAsync(args.Db, ct);
        var tokens = await store.Tokens.ListAsync(ct);
        if (args.Format == "json")
        {
            console.Out.Write(CanonicalJson.SerializeToString(new JsonObject
            {
                ["tokens"] = new JsonArray([.. tokens.Select(t => (JsonNode)new JsonObject
                {
                    ["id"] = t.Id,
                    ["name"] = t.Name,
                    ["scope"] = Scope(t.Scope),
                    ["prefix"] = t.Prefix,
                    ["createdAt"] = Time(t.CreatedAt),
                    ["lastUsedAt"] = Time(t.LastUsedAt),
                    ["revokedAt"] = Time(t.RevokedAt),
                })]),
            }));
            return ExitCodes.Success;
        }

        TextTable.Write(console.Out, ["ID", "NAME", "SCOPE", "PREFIX", "CREATED", "LAST USED", "REVOKED"], tokens.Select(t => (string[])
        [
            Id(t.Id), t.Name, Scope(t.Scope), t.Prefix + "…", Time(t.CreatedAt) ?? "-", Time(t.LastUsedAt) ?? "never", Time(t.RevokedAt) ?? "-",
        ]));
        if (tokens.IsEmpty)
        {
            console.Error.WriteLine("no tokens; create one with `hostenv-provider token create NAME --scope read|deploy|admin`");
        }

        return ExitCodes.Success;
    }

    public static async Task<int> RevokeAsync(RevokeArguments args, CliConsole console, CancellationToken ct)
    {
        await using var store = await ServeCommand.OpenStoreAsync(args.Db, ct);
        if (!await store.Tokens.RevokeAsync(args.NameOrId, ct))
        {
            throw new UserException($"no live token named or numbered '{args.NameOrId}' (`hostenv-provider token list` shows them)");
        }

        await store.Tokens.RecordAuditAsync(Actor(), "token-revoke", null, $"token '{args.NameOrId}'", ct);
        console.Error.WriteLine($"revoked token '{args.NameOrId}'; requests and sessions with it are refused from now on.");
        return ExitCodes.Success;
    }

    private static string Db(ParseResult r) => r.GetValue(ServeCommand.Db) ?? MonitorDatabase.DefaultPath(CommonOptions.RepoDir(r));

    /// <summary>Who, in the audit log: the CLI and the local user (the CLI has no token).</summary>
    private static string Actor() => "cli:" + Environment.UserName;

    private static string Scope(TokenScope scope) => scope.ToString().ToLowerInvariant();

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static string? Time(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
