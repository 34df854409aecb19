using System.Globalization;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

/// <summary>DESIGN §5 reservations of names: a vhost belongs to one environment, and names held by a gone environment stay held.</summary>
internal static class VhostClaims
{
    public static void Check(
        ProviderConfig provider,
        List<(ProjectManifest Manifest, EnvironmentSpec Env, string UserName)> declared,
        ProviderState state,
        string stateFile,
        HashSet<string> declaredUsers,
        DiagnosticBag diagnostics)
    {
        // Names held by reservations whose environment is gone stay held until `state prune`.
        var heldByGone = new Dictionary<string, StateEntry>(StringComparer.Ordinal);
        foreach (var entry in state.Entries.Values.Where(e => !declaredUsers.Contains(e.UserName)))
        {
            foreach (var vhost in entry.VirtualHosts)
            {
                heldByGone.TryAdd(vhost, entry);
            }
        }

        var claims = new Dictionary<string, (ProjectManifest Manifest, EnvironmentSpec Env, ClaimSite Site)>(declared.Count * 3, StringComparer.Ordinal);
        foreach (var (manifest, env, userName) in declared)
        {
            foreach (var vhost in env.VirtualHosts)
            {
                Claim(vhost.Name, new ClaimSite(env, vhost, -1));
                for (var i = 0; i < vhost.ServerAliases.Length; i++)
                {
                    Claim(vhost.ServerAliases[i], new ClaimSite(env, vhost, i));
                }
            }

            Claim(FleetPlanner.CanonicalHost(provider, userName), new ClaimSite(env, null, -1));

            void Claim(string raw, ClaimSite site)
            {
                var name = Vhosts.Normalise(raw);
                if (claims.TryGetValue(name, out var other))
                {
                    var otherPos = other.Site.Position(other.Manifest.Source);
                    diagnostics.Add(new Diagnostic(
                        PlanCodes.VhostClaimedTwice, DiagnosticLevel.Error,
                        $"virtual host '{name}' is claimed by {Owner(manifest, env)} and also by '{other.Manifest.ProjectName}' environment '{other.Env.Name}' at {otherPos}",
                        site.Position(manifest.Source), YamlDocument.FieldPath(site.Pointer),
                        "a name can belong to one environment only; remove it from one of them"));
                    return;
                }

                claims[name] = (manifest, env, site);
                if (heldByGone.TryGetValue(name, out var holder))
                {
                    diagnostics.Add(new Diagnostic(
                        PlanCodes.VhostHeldByOther, DiagnosticLevel.Error,
                        $"virtual host '{name}' wanted by {Owner(manifest, env)} is still reserved in {stateFile} by '{holder.UserName}' (node {holder.Node}), an environment no longer declared",
                        site.Position(manifest.Source), YamlDocument.FieldPath(site.Pointer),
                        $"release it with `hostenv-provider state prune` once '{holder.UserName}' is gone from its node, or choose another name"));
                }
            }
        }
    }

    /// <summary>
    /// Where a name is claimed: a vhost's key, one of its server aliases (by index), or, without a vhost, the environment
    /// (its canonical name). The pointer is made only for a diagnostic.
    /// </summary>
    private readonly record struct ClaimSite(EnvironmentSpec Env, VirtualHostSpec? Vhost, int Alias)
    {
        public string Pointer => Vhost is null ? Env.Pointer
            : Alias < 0 ? Vhost.Pointer
            : Vhost.Pointer + "/serverAliases/" + Alias.ToString(CultureInfo.InvariantCulture);

        public SourcePosition Position(SourceMap source) => Alias < 0 ? source.KeyPositionOf(Pointer) : source.PositionOf(Pointer);
    }

    private static string Owner(ProjectManifest manifest, EnvironmentSpec env) =>
        $"'{manifest.ProjectName}' environment '{env.Name}' ({manifest.Source.File})";
}
