using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

/// <summary>
/// plan.nodes.&lt;node&gt;: the system layer of one node, with hostenv's (NixOS) option names where they fit:
/// users.users, users.groups, systemd.slices, services.nginx.virtualHosts, networking.firewall, security.acme.
/// </summary>
public static class NodeSystemModel
{
    public static readonly ImmutableArray<int> FirewallPorts = [22, 80, 443];

    public static JsonObject Build(ProviderConfig provider, NodeConfig node, ImmutableArray<PlannedEnvironment> environments)
    {
        var users = new JsonObject();
        var groups = new JsonObject();
        var slices = new JsonObject();
        var vhosts = new JsonObject();
        var upstreams = new JsonObject();
        var certs = new JsonObject();
        foreach (var env in environments.OrderBy(e => e.UserName, StringComparer.Ordinal))
        {
            users[env.UserName] = new JsonObject
            {
                ["uid"] = env.Uid,
                ["group"] = env.UserName,
                ["isNormalUser"] = true,
                ["home"] = HostenvPaths.Home(env.UserName),
                ["createHome"] = true,
                ["homeMode"] = "0750",
                ["shell"] = "/bin/bash",
                ["linger"] = true,
                ["openssh"] = new JsonObject { ["authorizedKeys"] = new JsonObject { ["keys"] = PlanDocument.Strings(PlanDocument.AuthorizedKeys(env)) } },
                ["runtimeDirs"] = new JsonObject
                {
                    [HostenvPaths.RuntimeDir(env.UserName)] = new JsonObject { ["mode"] = "0750", ["owner"] = env.UserName, ["group"] = env.UserName },
                    [HostenvPaths.UpstreamRuntimeDir(env.UserName)] = new JsonObject { ["mode"] = "0750", ["owner"] = env.UserName, ["group"] = "www-data" },
                },
            };
            groups[env.UserName] = new JsonObject { ["gid"] = env.Uid };

            var limits = env.Spec.Resources.Over(provider.DefaultResources);
            slices[HostenvPaths.Slice(env.UserName)] = new JsonObject
            {
                ["description"] = $"hostenv {env.Manifest.ProjectName} {env.Spec.Name}",
                ["cpuQuota"] = limits.CpuQuota,
                ["memoryMax"] = limits.MemoryMax,
            };

            upstreams[HostenvPaths.Upstream(env.UserName)] = new JsonObject
            {
                ["servers"] = PlanDocument.Strings(["unix:" + HostenvPaths.UpstreamSocket(env.UserName)]),
            };

            foreach (var (name, vhost) in VirtualHosts(provider, env))
            {
                vhosts[name] = vhost;
                if (vhost["enableACME"]?.GetValue<bool>() == true)
                {
                    certs[name] = new JsonObject { ["webroot"] = HostenvPaths.AcmeWebroot, ["owner"] = env.UserName };
                }
            }
        }

        return new JsonObject
        {
            ["canonicalName"] = $"{node.Name}.{provider.HostenvHostname}",
            ["address"] = node.Address,
            ["addresses"] = PlanDocument.Strings(node.Addresses),
            ["magicRollback"] = node.MagicRollback,
            ["confirmTimeoutSeconds"] = node.ConfirmTimeoutSeconds,
            ["environments"] = PlanDocument.Strings(environments.Select(e => e.UserName).Order(StringComparer.Ordinal)),
            ["users"] = new JsonObject { ["users"] = users, ["groups"] = groups },
            ["systemd"] = new JsonObject { ["slices"] = slices },
            ["services"] = new JsonObject
            {
                ["nginx"] = new JsonObject
                {
                    ["enable"] = true,
                    ["recommendedProxySettings"] = true,
                    // Requests for names this node does not serve are closed without an answer.
                    ["catchAll"] = new JsonObject { ["default"] = true, ["return"] = 444, ["rejectSSL"] = true },
                    ["virtualHosts"] = vhosts,
                    ["upstreams"] = upstreams,
                },
            },
            ["networking"] = new JsonObject
            {
                ["firewall"] = new JsonObject { ["allowedTCPPorts"] = new JsonArray([.. FirewallPorts.Select(p => (JsonNode?)p)]) },
            },
            ["security"] = new JsonObject
            {
                ["acme"] = new JsonObject
                {
                    ["acceptTerms"] = provider.LetsEncrypt.AcceptTerms,
                    ["defaults"] = new JsonObject
                    {
                        ["email"] = provider.LetsEncrypt.AdminEmail,
                        ["server"] = provider.LetsEncrypt.Directory,
                    },
                    ["certs"] = certs,
                },
            },
        };
    }

    /// <summary>hostenv's vhost normalisation: the canonical host always exists; TLS defaults on; forceSSL follows ACME.</summary>
    private static IEnumerable<(string Name, JsonObject Vhost)> VirtualHosts(ProviderConfig provider, PlannedEnvironment env)
    {
        var canonical = FleetPlanner.CanonicalHost(provider, env.UserName);
        var declared = env.Spec.VirtualHosts.ToDictionary(v => Vhosts.Normalise(v.Name), v => (VirtualHostSpec?)v, StringComparer.Ordinal);
        declared.TryAdd(canonical, null);
        foreach (var name in declared.Keys.Order(StringComparer.Ordinal))
        {
            var spec = declared[name];
            var enableAcme = spec?.EnableLetsEncrypt ?? true;
            var forceSsl = spec?.ForceSsl ?? enableAcme;
            var tls = enableAcme || forceSsl;
            var headers = new JsonObject();
            foreach (var (header, value) in SecurityHeaders.For(spec, env.Spec.Type, tls))
            {
                headers[header] = value;
            }

            yield return (name, new JsonObject
            {
                ["owner"] = env.UserName,
                ["enableACME"] = enableAcme,
                ["forceSSL"] = forceSsl,
                ["http2"] = true,
                ["serverAliases"] = PlanDocument.Strings(spec?.ServerAliases.Select(Vhosts.Normalise) ?? []),
                ["globalRedirect"] = spec?.GlobalRedirect,
                ["redirectCode"] = spec?.GlobalRedirect is null ? null : spec.RedirectCode ?? 301,
                ["locations"] = Locations(env, spec),
                ["securityHeaders"] = headers,
                ["extraConfig"] = spec?.ExtraConfig,
            });
        }
    }

    private static JsonObject Locations(PlannedEnvironment env, VirtualHostSpec? spec)
    {
        var locations = new JsonObject();
        foreach (var l in spec?.Locations ?? [])
        {
            locations[l.Path] = new JsonObject
            {
                ["proxyPass"] = l.ProxyPass,
                ["root"] = l.Root,
                ["alias"] = l.Alias,
                ["index"] = l.Index,
                ["tryFiles"] = l.TryFiles,
                ["return"] = l.Return,
                ["extraConfig"] = l.ExtraConfig,
            };
        }

        // As hostenv: "/" goes to the environment's upstream unless the project routes it itself.
        if (!locations.ContainsKey("/") && spec?.GlobalRedirect is null)
        {
            locations["/"] = new JsonObject
            {
                ["proxyPass"] = "http://" + HostenvPaths.Upstream(env.UserName),
                ["recommendedProxySettings"] = true,
            };
        }

        return locations;
    }
}
