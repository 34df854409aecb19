using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Provider.Monitor.Auth;

namespace Provider.Monitor.Web.Auth;

/// <summary>Turns the authorization middleware's verdict into <see cref="AuthResponses"/> (one shape for both schemes).</summary>
internal sealed class MonitorAuthorizationResults : IAuthorizationMiddlewareResultHandler
{
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        if (authorizeResult.Challenged || MonitorClaims.Scope(context.User) is null)
        {
            return AuthResponses.UnauthenticatedAsync(context);
        }

        var needed = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope).DefaultIfEmpty(TokenScope.Read).Max()
            ?? TokenScope.Read;
        return AuthResponses.ForbiddenAsync(context, needed);
    }
}
