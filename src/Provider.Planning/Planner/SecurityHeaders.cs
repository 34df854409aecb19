using System.Collections.Immutable;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

/// <summary>The response headers hostenv sets on every vhost (its nginx-frontdoor module), as data.</summary>
public static class SecurityHeaders
{
    public const string HstsValue = "max-age=63072000; includeSubDomains; preload";

    public static ImmutableSortedDictionary<string, string> For(VirtualHostSpec? vhost, string environmentType, bool tlsEnabled)
    {
        var security = vhost?.Security ?? SecuritySpec.Default;
        var headers = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (security.ReportTo is { } reportTo)
        {
            headers["Report-To"] = reportTo;
        }

        if (security.ReferrerPolicy is { } referrer)
        {
            headers["Referrer-Policy"] = referrer;
        }

        if (security.XFrameOptions is { } frame)
        {
            headers["X-Frame-Options"] = frame;
        }

        if (security.XContentTypeOptions)
        {
            headers["X-Content-Type-Options"] = "nosniff";
        }

        // HSTS only where TLS is on: pinning browsers to HTTPS on a host without a certificate locks users out.
        if ((security.Hsts ?? vhost?.Hsts ?? true) && tlsEnabled)
        {
            headers["Strict-Transport-Security"] = HstsValue;
        }

        if (security.Csp is { } csp)
        {
            var value = csp.TrimEnd().TrimEnd(';');
            if (security.CspReportTo is { } group)
            {
                value += "; report-to " + group;
            }

            headers[security.CspMode == "report-only" ? "Content-Security-Policy-Report-Only" : "Content-Security-Policy"] = value;
        }

        if (!(vhost?.AllowIndexing ?? environmentType == "production"))
        {
            headers["X-Robots-Tag"] = "noindex";
        }

        return headers.ToImmutable();
    }
}
