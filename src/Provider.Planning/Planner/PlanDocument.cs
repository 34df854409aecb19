using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

/// <summary>Builds generated/plan.json from a planned fleet, keeping hostenv's top-level names.</summary>
public static class PlanDocument
{
    public static JsonObject Build(PlannedFleet fleet)
    {
        var provider = fleet.Provider;
        var nodeConnections = new JsonObject();
        foreach (var node in fleet.Nodes)
        {
            nodeConnections[node.Name] = new JsonObject
            {
                ["hostname"] = node.Address,
                ["port"] = node.Port,
                ["user"] = node.User ?? provider.DeployUser,
                ["hostKey"] = node.HostKey,
            };
        }

        var environments = new JsonObject();
        foreach (var env in fleet.Environments)
        {
            environments[env.UserName] = Environment(provider, env);
        }

        var nodes = new JsonObject();
        foreach (var node in fleet.Nodes)
        {
            nodes[node.Name] = NodeSystemModel.Build(provider, node, [.. fleet.Environments.Where(e => e.Enabled && e.Node == node.Name)]);
        }

        return new JsonObject
        {
            ["planFormat"] = PlanLimits.PlanFormat,
            ["inputsHash"] = fleet.InputsHash,
            ["hostenvHostname"] = provider.HostenvHostname,
            ["deployUser"] = provider.DeployUser,
            ["cloudflare"] = new JsonObject
            {
                ["enable"] = provider.Cloudflare.Enable,
                ["zoneId"] = provider.Cloudflare.ZoneId,
                ["apiTokenFile"] = provider.Cloudflare.ApiTokenFile,
                ["apiTokenEnv"] = provider.Cloudflare.ApiTokenEnv,
            },
            ["deploy"] = new JsonObject
            {
                ["parallel"] = provider.Deploy.Parallel,
                ["keepReleases"] = provider.Deploy.KeepReleases,
            },
            ["nodeConnections"] = nodeConnections,
            ["environments"] = environments,
            ["nodes"] = nodes,
        };
    }

    private static JsonObject Environment(ProviderConfig provider, PlannedEnvironment env)
    {
        var spec = env.Spec;
        var users = new JsonObject();
        foreach (var user in env.Manifest.AllUsers.Concat(spec.Users).GroupBy(u => u.Id, StringComparer.Ordinal).Select(g => g.Last()))
        {
            users[user.Id] = new JsonObject { ["email"] = user.Email, ["publicKeys"] = Strings(user.PublicKeys) };
        }

        var resources = spec.Resources.Over(provider.DefaultResources);
        return new JsonObject
        {
            ["userName"] = env.UserName,
            ["uid"] = env.Uid,
            ["node"] = env.Node,
            ["previousNode"] = env.PreviousNode,
            ["enable"] = spec.Enable,
            ["type"] = spec.Type,
            ["organisation"] = Identity.HostenvIdentity.Normalise(env.Manifest.Organisation),
            ["project"] = Identity.HostenvIdentity.Normalise(env.Manifest.Project),
            ["projectName"] = env.Manifest.ProjectName,
            ["environmentName"] = spec.Name,
            ["isDefaultEnvironment"] = env.Manifest.DefaultEnvironment == spec.Name,
            ["hostname"] = FleetPlanner.CanonicalHost(provider, env.UserName),
            ["virtualHosts"] = Strings(env.VirtualHosts),
            ["source"] = new JsonObject
            {
                ["path"] = env.Source.Path,
                ["git"] = env.Source.Git,
                ["ref"] = env.Source.Ref,
                ["rev"] = env.Rev,
                ["dir"] = env.Source.Dir,
            },
            ["paths"] = new JsonObject
            {
                ["home"] = HostenvPaths.Home(env.UserName),
                ["runtimeDir"] = HostenvPaths.RuntimeDir(env.UserName),
                ["upstreamRuntimeDir"] = HostenvPaths.UpstreamRuntimeDir(env.UserName),
                ["dataDir"] = HostenvPaths.DataDir(env.UserName),
                ["stateDir"] = HostenvPaths.StateDir(env.UserName),
                ["cacheDir"] = HostenvPaths.CacheDir(env.UserName),
            },
            ["users"] = users,
            ["authorizedKeys"] = Strings(AuthorizedKeys(env)),
            ["app"] = spec.App is null ? null : App(spec.App),
            ["secrets"] = Strings(spec.Secrets),
            ["deploymentVerification"] = new JsonArray([.. spec.Verification.Select(v => (JsonNode?)new JsonObject
            {
                ["path"] = v.Path,
                ["host"] = v.Host ?? env.VirtualHosts.FirstOrDefault(h => spec.VirtualHosts.Any(d => Vhosts.Normalise(d.Name) == h))
                    ?? FleetPlanner.CanonicalHost(provider, env.UserName),
                ["scheme"] = v.Scheme,
                ["expectStatus"] = v.ExpectStatus,
                ["bodyRegex"] = v.BodyRegex,
                ["followRedirects"] = v.FollowRedirects,
                ["enforce"] = v.Enforce,
            })]),
            ["resources"] = new JsonObject { ["cpuQuota"] = resources.CpuQuota, ["memoryMax"] = resources.MemoryMax },
        };
    }

    internal static ImmutableArray<string> AuthorizedKeys(PlannedEnvironment env) =>
        [.. env.Manifest.AllUsers.Concat(env.Spec.Users).SelectMany(u => u.PublicKeys).Select(k => k.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static JsonObject App(AppSpec app) => new()
    {
        ["build"] = Strings(app.Build),
        ["buildTimeoutSeconds"] = app.BuildTimeoutSeconds,
        ["run"] = app.Run,
        ["static"] = app.Static,
        ["healthCheck"] = app.HealthCheck is not { } hc ? null : new JsonObject
        {
            ["path"] = hc.Path,
            ["intervalSeconds"] = hc.IntervalSeconds,
            ["timeoutSeconds"] = hc.TimeoutSeconds,
            ["deadlineSeconds"] = hc.DeadlineSeconds,
            ["expectStatus"] = hc.ExpectStatus,
        },
        ["hooks"] = new JsonObject { ["preDeploy"] = app.PreDeploy, ["postDeploy"] = app.PostDeploy },
        ["keepReleases"] = app.KeepReleases,
        ["sharedDirs"] = Strings(app.SharedDirs),
    };

    internal static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);
}
