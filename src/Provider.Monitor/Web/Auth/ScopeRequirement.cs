using Microsoft.AspNetCore.Authorization;
using Provider.Monitor.Auth;

namespace Provider.Monitor.Web.Auth;

/// <summary>The principal's token has at least this scope (Read &lt; Deploy &lt; Admin).</summary>
public sealed record ScopeRequirement(TokenScope Scope) : IAuthorizationRequirement;

/// <summary>
/// Grants a <see cref="ScopeRequirement"/> to a principal whose scope is at least the one required. Without
/// authentication (no token store: monitor-only) Read is granted to everyone and nothing more to anyone.
/// </summary>
internal sealed class ScopeHandler(MonitorServices monitor) : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var open = !monitor.Options.RequireAuthentication && requirement.Scope == TokenScope.Read;
        if (open || MonitorClaims.Scope(context.User) >= requirement.Scope)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
