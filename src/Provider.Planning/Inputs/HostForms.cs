using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Provider.Planning.Inputs;

/// <summary>
/// The narrow forms of names and addresses that a pattern alone cannot state: DNS names with a length
/// limit, and IP addresses in their plain written forms only (IPAddress.TryParse also takes "10.1" or
/// "0x7f.1" and scope ids, which would reach the plan and the DNS gate as something else).
/// </summary>
public static partial class HostForms
{
    public const int MaxDnsNameLength = 253;

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\z")]
    private static partial Regex Label();

    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\z")]
    private static partial Regex DottedQuad();

    /// <summary>
    /// A DNS name of at least <paramref name="minLabels"/> labels (letters, digits, inner '-'), one trailing
    /// dot allowed, at most 253 characters; with <paramref name="allowWildcard"/> the first label may be '*'.
    /// </summary>
    public static bool IsDnsName(string name, int minLabels, bool allowWildcard = false)
    {
        // Spans, not Split: every vhost and alias of every environment passes here, several times per plan.
        var n = name.AsSpan();
        if (n.EndsWith('.'))
        {
            n = n[..^1];
        }

        if (n.Length == 0 || n.Length > MaxDnsNameLength)
        {
            return false;
        }

        var count = n.Count('.') + 1;
        if (count < minLabels)
        {
            return false;
        }

        var first = true;
        foreach (var range in n.Split('.'))
        {
            var label = n[range];
            if (!Label().IsMatch(label) && !(allowWildcard && first && label is "*" && count > 2))
            {
                return false;
            }

            first = false;
        }

        return true;
    }

    /// <summary>An IPv4 address written as four decimal octets, like 203.0.113.10.</summary>
    public static bool IsIPv4(string text) => DottedQuad().IsMatch(text);

    /// <summary>An IPv6 address like 2001:db8::10 (no scope id), optionally in brackets when <paramref name="allowBrackets"/>.</summary>
    public static bool IsIPv6(string text, bool allowBrackets = false)
    {
        var t = allowBrackets && text.Length > 2 && text[0] == '[' && text[^1] == ']' ? text[1..^1] : text;
        return t.Contains(':', StringComparison.Ordinal)
            && !t.Contains('%', StringComparison.Ordinal)
            && t.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
            && IPAddress.TryParse(t, out var ip)
            && ip.AddressFamily == AddressFamily.InterNetworkV6;
    }

    public static bool IsIPAddress(string text) => IsIPv4(text) || IsIPv6(text);

    /// <summary>
    /// Where ssh can connect: an IP address or a host name (one label is enough: ssh_config aliases and
    /// /etc/hosts names are). A name of digits and dots only must be a complete IPv4 address.
    /// </summary>
    public static bool IsSshHost(string text) =>
        IsIPv4(text)
        || IsIPv6(text, allowBrackets: true)
        || (IsDnsName(text, 1) && !text.TrimEnd('.').All(c => char.IsAsciiDigit(c) || c == '.'));
}
