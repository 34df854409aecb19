using System.Collections.Immutable;
using Provider.Planning.Model;
using Provider.Planning.Output;

namespace Provider.Planning.Planner;

/// <summary>
/// Writes generated/plan.json from a planned fleet, keeping hostenv's top-level names. Streams through
/// <see cref="SortedJsonWriter"/>: keys appear here in ordinal order (the writer rejects anything else).
/// </summary>
public static class PlanDocument
{
    public static byte[] Write(PlannedFleet fleet)
    {
        var provider = fleet.Provider;
        using var w = new SortedJsonWriter();
        w.StartObject();
        w.StartObject("cloudflare");
        w.String("apiTokenEnv", provider.Cloudflare.ApiTokenEnv);
        w.String("apiTokenFile", provider.Cloudflare.ApiTokenFile);
        w.Bool("enable", provider.Cloudflare.Enable);
        w.String("zoneId", provider.Cloudflare.ZoneId);
        w.EndObject();
        w.StartObject("deploy");
        w.Number("keepReleases", provider.Deploy.KeepReleases);
        w.Number("parallel", provider.Deploy.Parallel);
        w.EndObject();
        w.String("deployUser", provider.DeployUser);
        // Each environment's keys appear twice (environments and its node's users): computed once.
        var authorizedKeys = new Dictionary<PlannedEnvironment, ImmutableArray<string>>(fleet.Environments.Length, ReferenceEqualityComparer.Instance);
        w.StartObject("environments");
        foreach (var env in fleet.Environments.OrderBy(e => e.UserName, StringComparer.Ordinal))
        {
            Environment(w, provider, env, authorizedKeys[env] = AuthorizedKeys(env));
        }

        w.EndObject();
        w.String("hostenvHostname", provider.HostenvHostname);
        w.String("inputsHash", fleet.InputsHash);
        w.StartObject("nodeConnections");
        foreach (var node in fleet.Nodes)
        {
            w.StartObject(node.Name);
            w.String("hostKey", node.HostKey);
            w.String("hostname", node.Address);
            w.Number("port", node.Port);
            w.String("user", node.User ?? provider.DeployUser);
            w.EndObject();
        }

        w.EndObject();
        w.StartObject("nodes");
        var byNode = fleet.Environments.Where(e => e.Enabled).ToLookup(e => e.Node, StringComparer.Ordinal);
        foreach (var node in fleet.Nodes)
        {
            NodeSystemModel.Write(w, provider, node, [.. byNode[node.Name]], e => authorizedKeys.TryGetValue(e, out var keys) ? keys : AuthorizedKeys(e));
        }

        w.EndObject();
        w.Number("planFormat", PlanLimits.PlanFormat);
        w.EndObject();
        return w.ToBytes();
    }

    private static void Environment(SortedJsonWriter w, ProviderConfig provider, PlannedEnvironment env, ImmutableArray<string> authorizedKeys)
    {
        var spec = env.Spec;
        w.StartObject(env.UserName);
        if (spec.App is { } app)
        {
            App(w, app, env.Compose);
        }
        else
        {
            w.Null("app");
        }

        w.Strings("authorizedKeys", authorizedKeys);
        if (env.Source.ContainerAllow.Length > 0)
        {
            // Only when the operator allowed something: what a project's containers may do beyond their tenant is for reviewers to see.
            w.StartObject("containers");
            w.Strings("allow", env.Source.ContainerAllow);
            w.EndObject();
        }

        w.StartArray("deploymentVerification");
        string? defaultHost = null;
        foreach (var v in spec.Verification)
        {
            defaultHost ??= env.VirtualHosts.FirstOrDefault(h => spec.VirtualHosts.Any(d => Vhosts.Normalise(d.Name) == h))
                ?? FleetPlanner.CanonicalHost(provider, env.UserName);
            w.StartItemObject();
            w.String("bodyRegex", v.BodyRegex);
            w.Bool("enforce", v.Enforce);
            w.String("expectStatus", v.ExpectStatus);
            w.Bool("followRedirects", v.FollowRedirects);
            w.String("host", v.Host ?? defaultHost);
            w.String("path", v.Path);
            w.String("scheme", v.Scheme);
            w.EndObject();
        }

        w.EndArray();
        w.Bool("enable", spec.Enable);
        if (env.EncryptedSecrets is { } encrypted)
        {
            Secrets.EncryptedSecretsPlanner.Write(w, encrypted);
        }

        w.String("environmentName", spec.Name);
        w.String("hostname", FleetPlanner.CanonicalHost(provider, env.UserName));
        w.Bool("isDefaultEnvironment", env.Manifest.DefaultEnvironment == spec.Name);
        w.String("node", env.Node);
        w.String("organisation", Identity.HostenvIdentity.Normalise(env.Manifest.Organisation));
        w.StartObject("paths");
        w.String("cacheDir", HostenvPaths.CacheDir(env.UserName));
        w.String("dataDir", HostenvPaths.DataDir(env.UserName));
        w.String("home", HostenvPaths.Home(env.UserName));
        w.String("runtimeDir", HostenvPaths.RuntimeDir(env.UserName));
        w.String("stateDir", HostenvPaths.StateDir(env.UserName));
        w.String("upstreamRuntimeDir", HostenvPaths.UpstreamRuntimeDir(env.UserName));
        w.EndObject();
        w.String("previousNode", env.PreviousNode);
        w.String("project", Identity.HostenvIdentity.Normalise(env.Manifest.Project));
        w.String("projectName", env.Manifest.ProjectName);
        var resources = spec.Resources.Over(provider.DefaultResources);
        w.StartObject("resources");
        w.String("cpuQuota", resources.CpuQuota);
        w.String("memoryMax", resources.MemoryMax);
        w.EndObject();
        w.Strings("secrets", spec.Secrets);
        w.StartObject("source");
        w.String("dir", env.Source.Dir);
        w.String("git", env.Source.Git);
        w.String("path", env.Source.Path);
        w.String("ref", env.Source.Ref);
        w.String("rev", env.Rev);
        w.EndObject();
        w.String("type", spec.Type);
        w.Number("uid", env.Uid);
        w.String("userName", env.UserName);
        w.StartObject("users");
        foreach (var user in EffectiveUsers(env))
        {
            w.StartObject(user.Id);
            w.String("email", user.Email);
            w.Strings("publicKeys", user.PublicKeys);
            w.EndObject();
        }

        w.EndObject();
        w.Strings("virtualHosts", env.VirtualHosts);
        w.EndObject();
    }

    /// <summary>allEnvironments.users, overridden per id by the environment's own users, by id.</summary>
    private static IEnumerable<UserSpec> EffectiveUsers(PlannedEnvironment env) =>
        env.Manifest.AllUsers.Concat(env.Spec.Users)
            .GroupBy(u => u.Id, StringComparer.Ordinal)
            .Select(g => g.Last())
            .OrderBy(u => u.Id, StringComparer.Ordinal);

    public static ImmutableArray<string> AuthorizedKeys(PlannedEnvironment env) =>
        [.. env.Manifest.AllUsers.Concat(env.Spec.Users).SelectMany(u => u.PublicKeys).Select(k => k.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static void App(SortedJsonWriter w, AppSpec app, Plan.ComposePlan? compose)
    {
        w.StartObject("app");
        w.Strings("build", app.Build);
        w.Number("buildTimeoutSeconds", app.BuildTimeoutSeconds);
        if (compose is { } c)
        {
            w.StartObject("compose");
            w.String("file", c.File);
            w.String("fileSha256", c.FileSha256);
            w.Number("port", c.Port);
            w.String("service", c.Service);
            w.EndObject();
        }
        else
        {
            w.Null("compose");
        }

        if (!app.Data.IsEmpty)
        {
            w.Strings("data", app.Data); // only when declared: plans (and release fingerprints) without it stay as they were
        }

        if (app.HealthCheck is { } hc)
        {
            w.StartObject("healthCheck");
            w.Number("deadlineSeconds", hc.DeadlineSeconds);
            w.String("expectStatus", hc.ExpectStatus);
            w.Number("intervalSeconds", hc.IntervalSeconds);
            w.String("path", hc.Path);
            w.Number("timeoutSeconds", hc.TimeoutSeconds);
            w.EndObject();
        }
        else
        {
            w.Null("healthCheck");
        }

        w.StartObject("hooks");
        w.String("postDeploy", app.PostDeploy);
        w.String("preDeploy", app.PreDeploy);
        w.EndObject();
        w.Number("keepReleases", app.KeepReleases);
        w.String("run", app.Run);
        // Always written, also when empty: the plan says that the app is sandboxed and which protections it lifts.
        w.StartObject("sandbox");
        w.Strings("allow", app.SandboxAllow);
        w.EndObject();
        w.Strings("sharedDirs", app.SharedDirs);
        w.String("static", app.Static);
        w.EndObject();
    }
}
