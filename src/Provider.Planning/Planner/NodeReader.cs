using System.Collections.Immutable;
using System.Globalization;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

/// <summary>Reads nodes/*/node.yaml and checks what the schema cannot: the directory name, address forms and the host key.</summary>
internal static class NodeReader
{
    public static ImmutableSortedDictionary<string, NodeConfig> Read(ImmutableArray<NodeInput> inputs, DiagnosticBag diagnostics)
    {
        var result = ImmutableSortedDictionary.CreateBuilder<string, NodeConfig>(StringComparer.Ordinal);
        foreach (var n in inputs.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            if (!FleetPlanner.IsNodeName(n.Name))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidName, DiagnosticLevel.Error, $"node directory name '{n.Name}' is not a valid node name",
                    new SourcePosition(n.File.Name, 0, 0), Hint: "rename the directory: lowercase letters, digits and '-', at most 63 characters"));
                continue;
            }

            var node = InputBinder.ReadNode(n.Name, n.File, diagnostics);
            if (node is null)
            {
                continue;
            }

            if (!HostForms.IsSshHost(node.Address))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error, $"'{node.Address}' is not a host name or an IP address",
                    node.Source.PositionOf("/address"), "address",
                    "write a host name like node-a.example.com, an IPv4 address like 203.0.113.10 or an IPv6 address like 2001:db8::10"));
            }

            foreach (var (address, i) in node.Addresses.Select((a, i) => (a, i)))
            {
                if (!HostForms.IsIPAddress(address))
                {
                    diagnostics.Add(new Diagnostic(
                        ManifestCodes.InvalidValue, DiagnosticLevel.Error, $"'{DiagnosticText.Visible(address)}' is not an IPv4 or IPv6 address",
                        node.Source.PositionOf("/addresses/" + i.ToString(CultureInfo.InvariantCulture)), $"addresses.{i}",
                        "list the public addresses the node serves, written out in full, e.g. 203.0.113.10 or 2001:db8::10"));
                }
            }

            if (node.HostKey is { } hostKey && SshKeyForm.Problem(hostKey) is { } problem)
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error, $"hostKey is not a whole public key: {problem}",
                    node.Source.PositionOf("/hostKey"), "hostKey",
                    "copy the whole line from the node's /etc/ssh/ssh_host_ed25519_key.pub, or let `hostenv-provider node add` pin it"));
            }

            result[n.Name] = node;
        }

        return result.ToImmutable();
    }
}
