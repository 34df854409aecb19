using System.Collections.Immutable;
using Provider.Planning.Model;
using Provider.Planning.Output;

namespace Provider.Planning.Planner;

/// <summary>
/// plan.nodes.&lt;node&gt;: the system layer of one node, with hostenv's (NixOS) option names where they fit:
/// users.users, users.groups, systemd.slices, services.nginx.virtualHosts, networking.firewall, security.acme.
/// Keys are written in ordinal order.
/// </summary>
public static class NodeSystemModel
{
    public static readonly ImmutableArray<int> FirewallPorts = [22, 80, 443];

    /// <summary>The group nginx's workers run as (Debian's www-data): it reaches the app sockets and static sites, nothing else of a tenant.</summary>
    public const string NginxGroup = "www-data";

    /// <summary>A vhost as the node serves it, after hostenv's defaults: TLS on by default; forceSSL follows ACME.</summary>
    public sealed record PlannedVhost(string Name, PlannedEnvironment Environment, VirtualHostSpec? Spec, bool EnableAcme, bool ForceSsl);

    public static void Write(SortedJsonWriter w, ProviderConfig provider, NodeConfig node, ImmutableArray<PlannedEnvironment> environments) =>
        Write(w, provider, node, environments, PlanDocument.AuthorizedKeys);

    /// <summary>As above, with each environment's authorized keys from <paramref name="authorizedKeys"/> (the plan has them already).</summary>
    internal static void Write(
        SortedJsonWriter w, ProviderConfig provider, NodeConfig node, ImmutableArray<PlannedEnvironment> environments,
        Func<PlannedEnvironment, ImmutableArray<string>> authorizedKeys)
    {
        var envs = environments.OrderBy(e => e.UserName, StringComparer.Ordinal).ToList();
        var vhosts = envs.SelectMany(e => VirtualHosts(provider, e)).OrderBy(v => v.Name, StringComparer.Ordinal).ToList();

        w.StartObject(node.Name);
        w.String("address", node.Address);
        w.Strings("addresses", node.Addresses);
        w.String("canonicalName", $"{node.Name}.{provider.HostenvHostname}");
        w.Number("confirmTimeoutSeconds", node.ConfirmTimeoutSeconds);
        // Whether the node hosts compose environments: node bootstrap installs and enables the container engine only then.
        w.Bool("containers", envs.Any(e => e.Compose is not null));
        w.Strings("environments", envs.Select(e => e.UserName));
        w.Bool("magicRollback", node.MagicRollback);
        w.StartObject("networking");
        w.StartObject("firewall");
        w.Numbers("allowedTCPPorts", FirewallPorts);
        w.EndObject();
        w.EndObject();
        var runtimes = NodeRuntimes(envs);
        if (runtimes.Length > 0)
        {
            // Only on nodes that need one (app.preset): `node bootstrap` installs these there and nowhere else.
            w.Strings("runtimes", runtimes);
        }

        Acme(w, provider, vhosts);
        w.StartObject("services");
        Nginx(w, envs, vhosts);
        w.EndObject();
        w.StartObject("systemd");
        w.StartObject("slices");
        foreach (var env in envs)
        {
            var limits = env.Spec.Resources.Over(provider.DefaultResources);
            w.StartObject(HostenvPaths.Slice(env.UserName));
            w.String("cpuQuota", limits.CpuQuota);
            w.String("description", $"hostenv {env.Manifest.ProjectName} {env.Spec.Name}");
            w.String("memoryMax", limits.MemoryMax);
            w.EndObject();
        }

        w.EndObject();
        w.EndObject();
        Users(w, envs, authorizedKeys);
        w.EndObject();
    }

    /// <summary>The runtimes the node's enabled environments need (app.preset), sorted.</summary>
    public static ImmutableArray<string> NodeRuntimes(IEnumerable<PlannedEnvironment> environments) =>
        [.. environments.Select(e => e.Spec.App?.Preset is { } p ? AppPreset.Runtime(p) : null).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static void Acme(SortedJsonWriter w, ProviderConfig provider, List<PlannedVhost> vhosts)
    {
        w.StartObject("security");
        w.StartObject("acme");
        w.Bool("acceptTerms", provider.LetsEncrypt.AcceptTerms);
        w.StartObject("certs");
        foreach (var v in vhosts.Where(v => v.EnableAcme))
        {
            w.StartObject(v.Name);
            w.String("owner", v.Environment.UserName);
            w.String("webroot", HostenvPaths.AcmeWebroot);
            w.EndObject();
        }

        w.EndObject();
        w.StartObject("defaults");
        w.String("email", provider.LetsEncrypt.AdminEmail);
        w.String("server", provider.LetsEncrypt.Directory);
        w.EndObject();
        w.EndObject();
        w.EndObject();
    }

    private static void Nginx(SortedJsonWriter w, List<PlannedEnvironment> envs, List<PlannedVhost> vhosts)
    {
        w.StartObject("nginx");
        // Requests for names this node does not serve are closed without an answer.
        w.StartObject("catchAll");
        w.Bool("default", true);
        w.Bool("rejectSSL", true);
        w.Number("return", 444);
        w.EndObject();
        w.Bool("enable", true);
        w.Bool("recommendedProxySettings", true);
        w.StartObject("upstreams");
        foreach (var env in envs)
        {
            w.StartObject(HostenvPaths.Upstream(env.UserName));
            w.Strings("servers", ["unix:" + HostenvPaths.UpstreamSocket(env.UserName)]);
            w.EndObject();
        }

        w.EndObject();
        w.StartObject("virtualHosts");
        foreach (var v in vhosts)
        {
            Vhost(w, v);
        }

        w.EndObject();
        w.EndObject();
    }

    private static void Vhost(SortedJsonWriter w, PlannedVhost v)
    {
        var spec = v.Spec;
        w.StartObject(v.Name);
        w.Bool("enableACME", v.EnableAcme);
        w.String("extraConfig", spec?.ExtraConfig);
        w.Bool("forceSSL", v.ForceSsl);
        w.String("globalRedirect", spec?.GlobalRedirect);
        w.Bool("http2", true);
        Locations(w, v.Environment, spec);
        w.String("owner", v.Environment.UserName);
        w.Number("redirectCode", spec?.GlobalRedirect is null ? null : spec.RedirectCode ?? 301);
        w.StartObject("securityHeaders");
        foreach (var (header, value) in SecurityHeaders.Sorted(spec, v.Environment.Spec.Type, v.EnableAcme || v.ForceSsl))
        {
            w.String(header, value);
        }

        w.EndObject();
        w.Strings("serverAliases", spec is { ServerAliases.IsEmpty: false } ? spec.ServerAliases.Order(StringComparer.Ordinal).Select(Vhosts.Normalise) : []);
        w.EndObject();
    }

    private static void Locations(SortedJsonWriter w, PlannedEnvironment env, VirtualHostSpec? spec)
    {
        // Most vhosts declare no locations: no dictionary and no sort for them.
        var user = spec is { Locations.IsEmpty: false } ? spec.Locations.ToDictionary(l => l.Path, StringComparer.Ordinal) : null;
        // As hostenv: "/" goes to the environment's upstream unless the project routes it itself.
        var addDefault = user?.ContainsKey("/") != true && spec?.GlobalRedirect is null;
        IEnumerable<string> paths = user is null ? (addDefault ? ["/"] : []) : user.Keys.Concat(addDefault ? ["/"] : []).Order(StringComparer.Ordinal);
        w.StartObject("locations");
        foreach (var path in paths)
        {
            w.StartObject(path);
            if (user is not null && user.TryGetValue(path, out var l))
            {
                w.String("alias", l.Alias);
                w.String("extraConfig", l.ExtraConfig);
                w.String("index", l.Index);
                w.String("proxyPass", l.ProxyPass);
                w.String("return", l.Return);
                w.String("root", l.Root);
                w.String("tryFiles", l.TryFiles);
            }
            else if (env.Spec.App is { Run: null, Static: { } staticDir })
            {
                // A static site: nginx serves the live release's directory itself, no process behind it.
                w.String("index", "index.html");
                w.String("root", HostenvPaths.CurrentRelease(env.UserName) + "/" + staticDir.Trim('/'));
                w.String("tryFiles", "$uri $uri/ =404");
            }
            else
            {
                w.String("proxyPass", "http://" + HostenvPaths.Upstream(env.UserName));
                w.Bool("recommendedProxySettings", true);
            }

            w.EndObject();
        }

        w.EndObject();
    }

    private static void Users(SortedJsonWriter w, List<PlannedEnvironment> envs, Func<PlannedEnvironment, ImmutableArray<string>> authorizedKeys)
    {
        w.StartObject("users");
        w.StartObject("groups");
        foreach (var env in envs)
        {
            w.StartObject(env.UserName);
            w.Number("gid", env.Uid);
            w.EndObject();
        }

        w.EndObject();
        w.StartObject("users");
        foreach (var env in envs)
        {
            // Homes are private to their environment. A static site's is traversable (never listable) by nginx's
            // group, which serves ~/current/<dir>; other environments get nothing either way.
            var staticSite = env.Spec.App is { Run: null, Static: not null };
            w.StartObject(env.UserName);
            w.Bool("createHome", true);
            w.String("group", env.UserName);
            w.String("home", HostenvPaths.Home(env.UserName));
            w.String("homeGroup", staticSite ? NginxGroup : env.UserName);
            w.String("homeMode", staticSite ? "0710" : "0700");
            w.Bool("isNormalUser", true);
            w.Bool("linger", true);
            w.StartObject("openssh");
            w.StartObject("authorizedKeys");
            w.Strings("keys", authorizedKeys(env));
            w.EndObject();
            w.EndObject();
            w.StartObject("runtimeDirs");
            // The app's sockets: setgid, so each socket the app creates belongs to nginx's group (the app's UMask 0007
            // leaves that group read-write, which connecting needs); nginx only traverses, it never lists.
            w.StartObject(HostenvPaths.UpstreamRuntimeDir(env.UserName));
            w.String("group", NginxGroup);
            w.String("mode", "2710");
            w.String("owner", env.UserName);
            w.EndObject();
            w.StartObject(HostenvPaths.RuntimeDir(env.UserName));
            w.String("group", env.UserName);
            w.String("mode", "0700");
            w.String("owner", env.UserName);
            w.EndObject();
            w.EndObject();
            w.String("shell", "/bin/bash");
            w.Number("uid", env.Uid);
            w.EndObject();
        }

        w.EndObject();
        w.EndObject();
    }

    /// <summary>hostenv's vhost normalisation: the canonical host always exists; TLS defaults on; forceSSL follows ACME.</summary>
    public static IEnumerable<PlannedVhost> VirtualHosts(ProviderConfig provider, PlannedEnvironment env)
    {
        var canonical = FleetPlanner.CanonicalHost(provider, env.UserName);
        var declared = env.Spec.VirtualHosts.ToDictionary(v => Vhosts.Normalise(v.Name), v => (VirtualHostSpec?)v, StringComparer.Ordinal);
        declared.TryAdd(canonical, null);
        foreach (var (name, spec) in declared)
        {
            var enableAcme = spec?.EnableLetsEncrypt ?? true;
            yield return new PlannedVhost(name, env, spec, enableAcme, spec?.ForceSsl ?? enableAcme);
        }
    }
}
