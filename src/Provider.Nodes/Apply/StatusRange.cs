using System.Globalization;

namespace Provider.Nodes.Apply;

/// <summary>An expected HTTP status range as the manifest writes it (`expectStatus`: "200-399" or "204"), for health checks and verification alike.</summary>
public readonly record struct StatusRange(int Low, int High)
{
    public const string Default = "200-399";

    /// <summary>Parses `expectStatus` (null means <see cref="Default"/>); the schema has already checked its shape.</summary>
    public static StatusRange Parse(string? expect)
    {
        var text = expect ?? Default;
        return text.Split('-') is [var a, var b] ? new(Int(a), Int(b)) : new(Int(text), Int(text));
    }

    public bool Contains(int status) => status >= Low && status <= High;

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}
