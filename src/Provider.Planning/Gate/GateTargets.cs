using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;

namespace Provider.Planning.Gate;

/// <summary>One vhost to check: where it should point (the node's canonical name) and the node's declared addresses.</summary>
public sealed record GateTarget(string Node, string Vhost, string ExpectedHost, ImmutableArray<IPAddress> DeclaredAddresses);

public static class GateTargets
{
    /// <summary>Every vhost served by the plan's nodes (optionally one node), in node then vhost order.</summary>
    public static ImmutableArray<GateTarget> From(JsonObject plan, string? onlyNode)
    {
        var result = ImmutableArray.CreateBuilder<GateTarget>();
        foreach (var (node, value) in (plan["nodes"] as JsonObject ?? []).OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            if (onlyNode is not null && node != onlyNode)
            {
                continue;
            }

            var expected = value?["canonicalName"]?.GetValue<string>() ?? node;
            ImmutableArray<IPAddress> declared = [.. (value?["addresses"] as JsonArray ?? [])
                .Select(a => IPAddress.TryParse(a?.GetValue<string>(), out var ip) ? ip : null).OfType<IPAddress>()];
            foreach (var (vhost, _) in (value?["services"]?["nginx"]?["virtualHosts"] as JsonObject ?? []).OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                result.Add(new GateTarget(node, vhost, expected, declared));
            }
        }

        return result.ToImmutable();
    }
}
