using System.Collections.Immutable;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

/// <summary>The response headers hostenv sets on every vhost (its nginx-frontdoor module), as data.</summary>
public static class SecurityHeaders
{
    public const string HstsValue = "max-age=63072000; includeSubDomains; preload";

    public static ImmutableSortedDictionary<string, string> For(VirtualHostSpec? vhost, string environmentType, bool tlsEnabled) =>
        Sorted(vhost, environmentType, tlsEnabled).ToImmutableSortedDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);

    /// <summary>
    /// The headers of <see cref="For"/> in ordinal order of names, without a sorted dictionary per vhost: the plan writes them for
    /// every vhost. A vhost that sets none of them (most) gets one of four lists made once.
    /// </summary>
    internal static IReadOnlyList<KeyValuePair<string, string>> Sorted(VirtualHostSpec? vhost, string environmentType, bool tlsEnabled)
    {
        if (vhost is null || (ReferenceEquals(vhost.Security, SecuritySpec.Default) && vhost.Hsts is null && vhost.AllowIndexing is null))
        {
            return Defaults[(environmentType == "production" ? 2 : 0) + (tlsEnabled ? 1 : 0)];
        }

        return Build(vhost, environmentType, tlsEnabled);
    }

    /// <summary>What <see cref="Build"/> gives a vhost with no header settings: [not production / production] x [without / with TLS].</summary>
    private static readonly IReadOnlyList<KeyValuePair<string, string>>[] Defaults =
        [Build(null, "development", false), Build(null, "development", true), Build(null, "production", false), Build(null, "production", true)];

    private static List<KeyValuePair<string, string>> Build(VirtualHostSpec? vhost, string environmentType, bool tlsEnabled)
    {
        var security = vhost?.Security ?? SecuritySpec.Default;
        var headers = new List<KeyValuePair<string, string>>(8); // each name is set at most once
        if (security.ReportTo is { } reportTo)
        {
            headers.Add(new("Report-To", reportTo));
        }

        if (security.ReferrerPolicy is { } referrer)
        {
            headers.Add(new("Referrer-Policy", referrer));
        }

        if (security.XFrameOptions is { } frame)
        {
            headers.Add(new("X-Frame-Options", frame));
        }

        if (security.XContentTypeOptions)
        {
            headers.Add(new("X-Content-Type-Options", "nosniff"));
        }

        // HSTS only where TLS is on: pinning browsers to HTTPS on a host without a certificate locks users out.
        if ((security.Hsts ?? vhost?.Hsts ?? true) && tlsEnabled)
        {
            headers.Add(new("Strict-Transport-Security", HstsValue));
        }

        if (security.Csp is { } csp)
        {
            var value = csp.TrimEnd().TrimEnd(';');
            if (security.CspReportTo is { } group)
            {
                value += "; report-to " + group;
            }

            headers.Add(new(security.CspMode == "report-only" ? "Content-Security-Policy-Report-Only" : "Content-Security-Policy", value));
        }

        if (!(vhost?.AllowIndexing ?? environmentType == "production"))
        {
            headers.Add(new("X-Robots-Tag", "noindex"));
        }

        headers.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return headers;
    }
}
