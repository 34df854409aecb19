using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Provider.Monitor.Auth;

/// <summary>Token secrets: made from 32 random bytes, stored only as their SHA-256, recognised by their first characters.</summary>
public static class TokenSecrets
{
    public const string SecretPrefix = "hp_";

    /// <summary>"hp_" and the 43 base64url characters of 32 bytes.</summary>
    public const int SecretLength = 46;

    /// <summary>How much of a secret a token listing shows.</summary>
    public const int ShownPrefixLength = 10;

    public const int MaxNameLength = 64;

    private static readonly System.Buffers.SearchValues<char> Base64UrlChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static string NewSecret() => SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The hash stored for a secret: SHA-256 of its UTF-8 bytes, lowercase hex.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string ShownPrefix(string secret) => secret[..ShownPrefixLength];

    /// <summary>Whether text has the shape of a secret (anything else is refused without a lookup).</summary>
    public static bool LooksLikeSecret(string? text) =>
        text is { Length: SecretLength } && text.StartsWith(SecretPrefix, StringComparison.Ordinal)
        && text.AsSpan(SecretPrefix.Length).IndexOfAnyExcept(Base64UrlChars) < 0;

    /// <summary>
    /// A token name: 1 to 64 of letters, digits and . _ - @ :, not all digits (revoke takes a name or an id, so a name
    /// must never read as an id). Throws ArgumentException saying what is wrong.
    /// </summary>
    public static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@' or ':'))
        {
            throw new ArgumentException(
                $"A token name is 1 to {MaxNameLength} letters, digits and . _ - @ : (got \"{name}\").", nameof(name));
        }

        if (name.All(char.IsAsciiDigit))
        {
            throw new ArgumentException($"A token name cannot be only digits (\"{name}\" would read as a token id).", nameof(name));
        }
    }
}

/// <summary>A live token already has this name: revoke it first or choose another.</summary>
public sealed class TokenNameTakenException(string name)
    : Exception($"A token named \"{name}\" already exists; revoke it first or choose another name.")
{
    public string Name { get; } = name;
}
