using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Provider.Monitor.Web.Auth;

/// <summary>
/// "Authorization: Bearer hp_..." checked against the token store (which compares hashes; the secret is never
/// kept). No header: no result, so the request is anonymous. A header with an unknown or revoked token: failure.
/// What a refused request gets back is <see cref="MonitorAuthorizationResults"/>'s to decide.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, MonitorServices monitor)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string Prefix = "Bearer ";

    public static bool HasBearer(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var secret = header[Prefix.Length..].Trim();
        if (monitor.Tokens is not { } tokens || secret.Length == 0)
        {
            return AuthenticateResult.Fail("No such token.");
        }

        var token = await tokens.VerifyAsync(secret, Context.RequestAborted);
        return token is null
            ? AuthenticateResult.Fail("The token is unknown or revoked.")
            : AuthenticateResult.Success(new AuthenticationTicket(MonitorClaims.Principal(token, Scheme.Name), Scheme.Name));
    }
}
