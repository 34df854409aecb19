using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Provider.Planning.Planner;

namespace Provider.Planning.Gate;

/// <summary>A gate verdict for one vhost on one node, as stored in plan.json (dnsGate) or freshly decided.</summary>
public sealed record GateRecord(string Node, string Vhost, string ExpectedHost, GateStatus Status, ImmutableArray<string> Observed, string Reason)
{
    public static GateRecord From(GateDecision d) => new(d.Node, d.Vhost, d.ExpectedHost, d.Status, d.Observed, d.Reason);
}

/// <summary>
/// Applies gate verdicts to plan.json: a vhost whose DNS does not point at its node gets enableACME and
/// forceSSL off, loses its HSTS header and its certificate request, and carries a dnsGate record that
/// also keeps what the planner wanted, so that a later "ok" restores exactly the planner's values.
/// </summary>
public static class GateApplier
{
    private const string Hsts = "Strict-Transport-Security";

    /// <summary>Applies the records to the plan; nodes in <paramref name="gatedNodes"/> are stamped as gated (<see cref="GateStamp"/>).</summary>
    public static void Apply(JsonObject plan, IEnumerable<GateRecord> records, IEnumerable<string> gatedNodes)
    {
        var nodes = plan["nodes"] as JsonObject;
        foreach (var r in records)
        {
            if (nodes?[r.Node]?["services"]?["nginx"]?["virtualHosts"]?[r.Vhost] is not JsonObject vhost)
            {
                continue;
            }

            var certs = nodes[r.Node]?["security"]?["acme"]?["certs"] as JsonObject;
            var headers = vhost["securityHeaders"] as JsonObject;
            var planned = vhost["dnsGate"]?["planned"]?.DeepClone() as JsonObject ?? new JsonObject
            {
                ["enableACME"] = vhost["enableACME"]?.GetValue<bool>() ?? false,
                ["forceSSL"] = vhost["forceSSL"]?.GetValue<bool>() ?? false,
                ["hsts"] = headers?[Hsts]?.GetValue<string>(),
            };

            if (r.Status == GateStatus.Ok)
            {
                if (vhost.ContainsKey("dnsGate"))
                {
                    vhost["enableACME"] = planned["enableACME"]?.GetValue<bool>() ?? false;
                    vhost["forceSSL"] = planned["forceSSL"]?.GetValue<bool>() ?? false;
                    if (planned["hsts"]?.GetValue<string>() is { } hsts && headers is not null)
                    {
                        headers[Hsts] = hsts;
                    }

                    if (vhost["enableACME"]?.GetValue<bool>() == true && certs is not null)
                    {
                        certs[r.Vhost] = new JsonObject { ["owner"] = vhost["owner"]?.GetValue<string>(), ["webroot"] = HostenvPaths.AcmeWebroot };
                    }

                    vhost.Remove("dnsGate");
                }

                continue;
            }

            vhost["enableACME"] = false;
            vhost["forceSSL"] = false;
            headers?.Remove(Hsts);
            certs?.Remove(r.Vhost);
            vhost["dnsGate"] = new JsonObject
            {
                ["status"] = GateDecision.StatusName(r.Status),
                ["expected"] = r.ExpectedHost,
                ["observed"] = new JsonArray([.. r.Observed.Select(o => (JsonNode?)o)]),
                ["reason"] = r.Reason,
                ["planned"] = planned,
            };
        }

        foreach (var node in gatedNodes)
        {
            GateStamp.Stamp(plan, node);
        }
    }

    /// <summary>The gate records and node stamps stored in a plan, to carry over when the planner rewrites it.</summary>
    public static (ImmutableArray<GateRecord> Records, ImmutableArray<(string Node, JsonObject Stamp)> Nodes) Read(JsonObject plan)
    {
        var records = ImmutableArray.CreateBuilder<GateRecord>();
        var gated = ImmutableArray.CreateBuilder<(string, JsonObject)>();
        foreach (var (node, value) in plan["nodes"] as JsonObject ?? [])
        {
            if (value?["dnsGate"] is JsonObject stamp)
            {
                gated.Add((node, (JsonObject)stamp.DeepClone()));
            }

            foreach (var (name, vhost) in value?["services"]?["nginx"]?["virtualHosts"] as JsonObject ?? [])
            {
                if (vhost?["dnsGate"] is JsonObject g)
                {
                    records.Add(new GateRecord(node, name, g["expected"]?.GetValue<string>() ?? "", Parse(g["status"]?.GetValue<string>()),
                        [.. (g["observed"] as JsonArray ?? []).Select(o => o?.GetValue<string>() ?? "")], g["reason"]?.GetValue<string>() ?? ""));
                }
            }
        }

        return (records.ToImmutable(), gated.ToImmutable());
    }

    private static GateStatus Parse(string? s) => s switch
    {
        "ok" => GateStatus.Ok,
        "elsewhere" => GateStatus.Elsewhere,
        "missing" => GateStatus.Missing,
        _ => GateStatus.Unknown,
    };
}
