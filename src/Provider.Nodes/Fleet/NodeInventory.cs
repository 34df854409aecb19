using System.Collections.Immutable;
using Provider.Nodes.Repository;
using Provider.Nodes.Ssh;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;

namespace Provider.Nodes.Fleet;

/// <summary>The nodes of a provider repo, read without planning (node commands work even when a project manifest is broken).</summary>
public static class NodeInventory
{
    public static (ImmutableArray<NodeConfig> Nodes, string DeployUser, ImmutableArray<Diagnostic> Diagnostics) Load(ProviderRepository repo)
    {
        var diagnostics = new DiagnosticBag();
        var provider = repo.ReadText(ProviderRepository.ProviderFile) is { } p ? InputBinder.ReadProvider(p, new DiagnosticBag()) : null;
        var nodes = ImmutableArray.CreateBuilder<NodeConfig>();
        var dir = repo.FullPath("nodes");
        if (Directory.Exists(dir))
        {
            foreach (var name in Directory.GetDirectories(dir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal))
            {
                if (repo.ReadText($"nodes/{name}/node.yaml") is { } file && InputBinder.ReadNode(name, file, diagnostics) is { } node)
                {
                    nodes.Add(node);
                }
            }
        }

        return (nodes.ToImmutable(), provider?.DeployUser ?? "deploy", diagnostics.Items.ToImmutableArray());
    }

    public static SshTarget Target(NodeConfig node, string deployUser) => new(node.Name, node.Address, node.Port, node.User ?? deployUser, node.HostKey);
}
