namespace Provider.Planning.Gate;

/// <summary>DNS names compare case-insensitively with any trailing dot removed.</summary>
public static class DnsName
{
    public static string Normalize(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.EndsWith('.'))
        {
            trimmed = trimmed[..^1];
        }

        return trimmed.ToLowerInvariant();
    }

    public static bool AreEqual(string left, string right) =>
        string.Equals(Normalize(left), Normalize(right), StringComparison.Ordinal);

    /// <summary>True when <paramref name="name"/> is the zone apex or a name below it.</summary>
    public static bool IsInZone(string name, string zone)
    {
        var n = Normalize(name);
        var z = Normalize(zone);
        return z.Length > 0 && (n == z || n.EndsWith("." + z, StringComparison.Ordinal));
    }
}
