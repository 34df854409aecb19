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

        var claims = new Dictionary<string, (ProjectManifest Manifest, EnvironmentSpec Env, string Raw, string Pointer)>(StringComparer.Ordinal);
        foreach (var (manifest, env, userName) in declared)
        {
            var names = env.VirtualHosts.SelectMany(v => v.ServerAliases.Select((a, i) => (Raw: a, Pointer: v.Pointer + "/serverAliases/" + i.ToString(CultureInfo.InvariantCulture), IsKey: false))
                    .Prepend((Raw: v.Name, v.Pointer, IsKey: true)))
                .Append((Raw: FleetPlanner.CanonicalHost(provider, userName), Pointer: env.Pointer, IsKey: true));
            foreach (var (raw, pointer, isKey) in names)
            {
                var name = Vhosts.Normalise(raw);
                SourcePosition Position() => isKey ? manifest.Source.KeyPositionOf(pointer) : manifest.Source.PositionOf(pointer);
                if (claims.TryGetValue(name, out var other))
                {
                    var otherPos = other.Manifest.Source.KeyPositionOf(other.Pointer);
                    diagnostics.Add(new Diagnostic(
                        PlanCodes.VhostClaimedTwice, DiagnosticLevel.Error,
                        $"virtual host '{name}' is claimed by {Owner(manifest, env)} and also by '{other.Manifest.ProjectName}' environment '{other.Env.Name}' at {otherPos}",
                        Position(), YamlDocument.FieldPath(pointer),
                        "a name can belong to one environment only; remove it from one of them"));
                    continue;
                }

                claims[name] = (manifest, env, raw, pointer);
                if (heldByGone.TryGetValue(name, out var holder))
                {
                    diagnostics.Add(new Diagnostic(
                        PlanCodes.VhostHeldByOther, DiagnosticLevel.Error,
                        $"virtual host '{name}' wanted by {Owner(manifest, env)} is still reserved in {stateFile} by '{holder.UserName}' (node {holder.Node}), an environment no longer declared",
                        Position(), YamlDocument.FieldPath(pointer),
                        $"release it with `hostenv-provider state prune` once '{holder.UserName}' is gone from its node, or choose another name"));
                }
            }
        }
    }

    private static string Owner(ProjectManifest manifest, EnvironmentSpec env) =>
        $"'{manifest.ProjectName}' environment '{env.Name}' ({manifest.Source.File})";
}
