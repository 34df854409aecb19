using System.Collections.Immutable;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>Certificate expiry per vhost: amber under 14 days, red under 3 or expired, "placeholder" for the self-signed stand-in.</summary>
public static class CertificateTable
{
    private static readonly string[] Columns = ["Vhost", "Expires", "Status"];

    public static Markup Render(string node, ImmutableArray<CertificateInfo> certificates, DateTimeOffset now) => HtmlTable.Render<CertificateInfo>(
        "certs",
        $"Certificates on {node}",
        Columns,
        certificates.IsDefault ? [] : [.. certificates.OrderBy(c => c.Vhost, StringComparer.Ordinal)],
        c => Row(c, now),
        "No certificates.");

    private static Markup Row(CertificateInfo c, DateTimeOffset now)
    {
        var (level, text) = Status(c, now);
        return H($"""
            <tr data-vhost="{c.Vhost}" data-cert="{level}">
            <th scope="row">{c.Vhost}</th>
            <td>{(c.NotAfter is { } t ? H($"""<time datetime="{Format.Iso(t)}">{Format.Utc(t)}</time>""") : H($"""<span class="none">–</span>"""))}</td>
            <td><span class="badge cert-{level}">{text}</span></td>
            </tr>
            """);
    }

    /// <summary>The CSS level (ok, warn, bad) and the words for a certificate.</summary>
    public static (string Level, string Text) Status(CertificateInfo c, DateTimeOffset now)
    {
        if (c.Placeholder)
        {
            return ("warn", "placeholder (self-signed)");
        }

        if (c.NotAfter is not { } notAfter)
        {
            return ("bad", "missing or unreadable");
        }

        var days = (int)Math.Floor((notAfter - now).TotalDays);
        return days switch
        {
            < 0 => ("bad", "expired " + Format.Ago(notAfter, now)),
            < 3 => ("bad", FormattableString.Invariant($"{days} d left")),
            < 14 => ("warn", FormattableString.Invariant($"{days} d left")),
            _ => ("ok", FormattableString.Invariant($"{days} d left")),
        };
    }
}
