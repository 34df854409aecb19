using System.Text.Json;
using System.Text.Json.Nodes;
using Provider.Planning.Diagnostics;
using Provider.Planning.Gate;
using Provider.Planning.Inputs;
using Provider.Planning.Output;

namespace Provider.Planning.Planner;

/// <summary>
/// Keeps the DNS gate's verdicts when re-planning: they are observations of the world that `plan`
/// cannot make, and dropping them would re-enable ACME on names that do not point at their node.
/// A node's gate stamp is kept as it was: it fingerprints the node's vhosts as they were gated, so deploy
/// can tell whether what the node serves changed since (Gate.GateStamp).
/// </summary>
internal static class GateCarryOver
{
    private static readonly string[] StatusNames = ["ok", "elsewhere", "missing", "unknown"];

    /// <summary>
    /// The new plan with the previous plan's verdicts applied. An unreadable previous plan has no verdicts worth
    /// keeping (a plan is how it gets rewritten), but a verdict that is there and malformed is an error: reading
    /// it as anything would either drop it or invent one. Returns null after reporting such a verdict.
    /// </summary>
    public static byte[]? Apply(byte[] plan, SourceFile? previous, DiagnosticBag diagnostics)
    {
        if (previous is null || !previous.Text.Contains("\"dnsGate\"", StringComparison.Ordinal))
        {
            return plan;
        }

        JsonObject? old;
        try
        {
            old = JsonNode.Parse(previous.Text) as JsonObject;
        }
        catch (JsonException)
        {
            return plan;
        }

        if (old is null)
        {
            return plan;
        }

        if (!Check(old, new JsonSourceMap(previous), diagnostics))
        {
            return null;
        }

        var (records, gatedNodes) = GateApplier.Read(old);
        var fresh = JsonNode.Parse(plan) as JsonObject ?? throw new InvalidOperationException("the planner wrote invalid JSON");
        GateApplier.Apply(fresh, records, []);
        foreach (var (node, stamp) in gatedNodes)
        {
            if (fresh["nodes"]?[node] is JsonObject n)
            {
                n["dnsGate"] = stamp;
            }
        }

        return CanonicalJson.Serialize(fresh);
    }

    /// <summary>Every vhost verdict must have the shape dns-gate writes; reports each one that does not.</summary>
    private static bool Check(JsonObject plan, JsonSourceMap map, DiagnosticBag diagnostics)
    {
        var ok = true;
        foreach (var (node, value) in plan["nodes"] as JsonObject ?? [])
        {
            foreach (var (name, vhost) in value?["services"]?["nginx"]?["virtualHosts"] as JsonObject ?? [])
            {
                if (vhost is not JsonObject v || !v.TryGetPropertyValue("dnsGate", out var gate))
                {
                    continue;
                }

                var pointer = string.Join('/', new[] { "", "nodes", node, "services", "nginx", "virtualHosts", name, "dnsGate" }.Select(YamlDocument.Escape));
                if (Problem(gate) is var (member, what))
                {
                    diagnostics.Add(new Diagnostic(
                        PlanCodes.PlanFileField, DiagnosticLevel.Error,
                        $"the DNS gate verdict for '{DiagnosticText.Visible(name)}' on node '{DiagnosticText.Visible(node)}' {what}",
                        map.PositionOf(pointer + member), YamlDocument.FieldPath(pointer + member),
                        "it was edited by hand; restore generated/plan.json from git, or delete the dnsGate record and run `hostenv-provider dns-gate` after planning"));
                    ok = false;
                }
            }
        }

        return ok;
    }

    private static (string Member, string What)? Problem(JsonNode? gate)
    {
        if (gate is not JsonObject g)
        {
            return ("", "is not an object");
        }

        static bool IsText(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String;
        if (!IsText(g["status"]) || !StatusNames.Contains(g["status"]?.GetValue<string>(), StringComparer.Ordinal))
        {
            return ("/status", "has no status of " + string.Join(", ", StatusNames));
        }

        foreach (var key in new[] { "expected", "reason" })
        {
            if (!IsText(g[key]))
            {
                return ("/" + key, $"needs '{key}' as a text");
            }
        }

        return g["observed"] is JsonArray observed && observed.All(IsText) ? null : ("/observed", "needs 'observed' as a list of texts");
    }
}
