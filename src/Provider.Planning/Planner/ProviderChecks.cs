using System.Globalization;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

/// <summary>Checks of provider.yaml that need more than its schema: whole deploy keys, and names derived from hostenvHostname.</summary>
internal static class ProviderChecks
{
    public static void DeployKeys(ProviderConfig provider, DiagnosticBag diagnostics)
    {
        foreach (var (key, i) in provider.DeployPublicKeys.Select((k, i) => (k, i)))
        {
            if (SshKeyForm.Problem(key) is { } problem)
            {
                var index = i.ToString(CultureInfo.InvariantCulture);
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error, $"deploy key {index} is not a whole public key: {problem}",
                    provider.Source.PositionOf("/deployPublicKeys/" + index), "deployPublicKeys." + index,
                    "copy the whole line of the .pub file, e.g. from `cat ~/.ssh/id_ed25519.pub`"));
            }
        }
    }

    /// <summary>What the schema cannot say of `notify:` entries: exactly one of url and urlEnv, and names that tell them apart.</summary>
    public static void Notify(ProviderConfig provider, DiagnosticBag diagnostics)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in provider.Notify)
        {
            var field = YamlDocument.FieldPath(target.Pointer);
            if ((target.Url is null) == (target.UrlEnv is null))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error,
                    $"webhook '{target.Name}' needs exactly one of 'url' or 'urlEnv'" + (target.Url is null ? "" : ", not both"),
                    provider.Source.PositionOf(target.Pointer), field,
                    "use 'urlEnv: NAME' to read a secret URL (Slack, Discord) from serve's environment, or 'url: https://...'"));
            }

            if (!names.Add(target.Name))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error, $"a second webhook is named '{target.Name}'",
                    provider.Source.PositionOf(target.Pointer + "/name"), field + ".name", "give each webhook its own name"));
            }
        }
    }

    /// <summary>
    /// Every node is reached as &lt;node&gt;.&lt;hostenvHostname&gt; and every environment holds
    /// &lt;userName&gt;.&lt;hostenvHostname&gt;; a name past DNS's 253 characters cannot be resolved or certified,
    /// so a hostenvHostname that long is reported once, at hostenvHostname, with the longest name it makes.
    /// </summary>
    public static void DerivedNames(ProviderConfig provider, IEnumerable<string> nodeNames, IEnumerable<string> userNames, DiagnosticBag diagnostics)
    {
        var longest = nodeNames.Select(n => (Prefix: n, What: "node"))
            .Concat(userNames.Select(u => (Prefix: u, What: "environment")))
            .OrderByDescending(p => p.Prefix.Length).ThenBy(p => p.Prefix, StringComparer.Ordinal)
            .FirstOrDefault();
        if (longest.Prefix is null)
        {
            return;
        }

        var name = $"{longest.Prefix}.{provider.HostenvHostname}";
        if (name.Length <= HostForms.MaxDnsNameLength)
        {
            return;
        }

        var room = HostForms.MaxDnsNameLength - longest.Prefix.Length - 1;
        diagnostics.Add(new Diagnostic(
            PlanCodes.DerivedNameTooLong, DiagnosticLevel.Error,
            $"hostenvHostname is {provider.HostenvHostname.Length.ToString(CultureInfo.InvariantCulture)} characters, so the {longest.What} name '{longest.Prefix}.…' would be {name.Length.ToString(CultureInfo.InvariantCulture)}; DNS names stop at {HostForms.MaxDnsNameLength.ToString(CultureInfo.InvariantCulture)}",
            provider.Source.PositionOf("/hostenvHostname"), "hostenvHostname",
            $"use a hostenvHostname of at most {room.ToString(CultureInfo.InvariantCulture)} characters for this fleet"));
    }
}
