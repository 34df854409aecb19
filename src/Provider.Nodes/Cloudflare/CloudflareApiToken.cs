namespace Provider.Nodes.Cloudflare;

/// <summary>
/// A Cloudflare API token. Its text is reachable only inside this assembly; printing the object
/// shows <c>[redacted]</c>, so it cannot leak through logs, exception messages or record ToString.
/// </summary>
public sealed class CloudflareApiToken
{
    public const string Redacted = "[redacted]";

    public CloudflareApiToken(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Value = value.Trim();
    }

    internal string Value { get; }

    /// <summary>Removes every occurrence of the token from text that came from elsewhere.</summary>
    internal string Scrub(string text) => text.Replace(Value, Redacted, StringComparison.Ordinal);

    public override string ToString() => Redacted;
}
