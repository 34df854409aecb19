using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Provider.Planning.Gate;

/// <summary>
/// The mark dns-gate leaves on every node it looked at, and what deploy checks before touching a node.
/// The mark is a fingerprint of exactly what the gate decides from for that node (its canonical name, its
/// declared addresses and the names of the vhosts it serves), not of the whole plan: a re-plan that changes
/// an app, another node or nothing about this node's names keeps the node's verdicts valid, while a vhost
/// added, removed or moved here makes them stale. A node with no vhost has a fingerprint too, so a run that
/// looked at an empty node gates it like any other.
/// </summary>
public static class GateStamp
{
    /// <summary>The key under plan.nodes.&lt;node&gt;.dnsGate that holds the fingerprint.</summary>
    public const string Key = "vhostsHash";

    /// <summary>The fingerprint of what dns-gate checks for <paramref name="node"/> in this plan.</summary>
    public static string Fingerprint(JsonObject plan, string node)
    {
        var value = plan["nodes"]?[node];
        var sb = new StringBuilder();
        sb.Append("expected\0").Append(value?["canonicalName"]?.GetValue<string>() ?? node).Append('\n');
        foreach (var address in (value?["addresses"] as JsonArray ?? []).Select(a => a?.GetValue<string>() ?? "").Order(StringComparer.Ordinal))
        {
            sb.Append("address\0").Append(address).Append('\n');
        }

        foreach (var target in GateTargets.From(plan, node))
        {
            sb.Append("vhost\0").Append(target.Vhost).Append('\n');
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>Marks a node as gated for what the plan now says about it.</summary>
    public static void Stamp(JsonObject plan, string node)
    {
        if (plan["nodes"]?[node] is JsonObject n)
        {
            n["dnsGate"] = new JsonObject { [Key] = Fingerprint(plan, node) };
        }
    }

    /// <summary>Whether the node's mark matches what the plan now says about it (false when it was never gated).</summary>
    public static bool IsCurrent(JsonObject plan, string node) =>
        plan["nodes"]?[node]?["dnsGate"]?[Key] is JsonValue v && v.TryGetValue<string>(out var stamped) && stamped == Fingerprint(plan, node);

    /// <summary>The nodes among <paramref name="nodes"/> that dns-gate must look at again before a deploy, in ordinal order.</summary>
    public static ImmutableArray<string> Stale(JsonObject plan, IEnumerable<string> nodes) =>
        [.. nodes.Where(n => !IsCurrent(plan, n)).Order(StringComparer.Ordinal)];

    /// <summary>Every node of the plan (or only <paramref name="onlyNode"/>): what one dns-gate run looks at and stamps.</summary>
    public static ImmutableArray<string> NodesOf(JsonObject plan, string? onlyNode) =>
        [.. (plan["nodes"] as JsonObject ?? []).Select(n => n.Key).Where(n => onlyNode is null || n == onlyNode).Order(StringComparer.Ordinal)];
}
