using System.Security.Cryptography;
using System.Text;

namespace Provider.Planning.Identity;

/// <summary>
/// hostenv's identity algorithm (DESIGN §4), bit for bit: an existing hostenv provider repo keeps
/// every Unix user name when it switches to this tool.
/// </summary>
public static class HostenvIdentity
{
    public const int MaxSlugLength = 11;

    /// <summary>Lowercase and drop every character outside [a-z0-9].</summary>
    public static string Normalise(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value.ToLowerInvariant())
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>sha256 of "org-project-env\n" (the trailing newline is part of hostenv's input), lowercase hex.</summary>
    public static string Hash(string organisation, string project, string environmentName)
    {
        var text = $"{Normalise(organisation)}-{Normalise(project)}-{environmentName}\n";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public static string Slug(string value)
    {
        var lastSlash = value.LastIndexOf('/');
        var tail = lastSlash >= 0 ? value[(lastSlash + 1)..] : value;

        var replaced = new StringBuilder(tail.Length);
        foreach (var c in tail)
        {
            replaced.Append(char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-');
        }

        // One left-to-right pass replacing each "--" with "-": "---" becomes "--", as hostenv does.
        var collapsed = replaced.ToString().Replace("--", "-", StringComparison.Ordinal);
        if (collapsed.StartsWith('-'))
        {
            collapsed = collapsed[1..];
        }

        if (collapsed.EndsWith('-'))
        {
            collapsed = collapsed[..^1];
        }

        // A prefix of the word list joined by "-" (as Nix's concatStringsSep), as long as it fits.
        var words = collapsed.Split('-');
        var taken = 0;
        var length = -1;
        while (taken < words.Length && length + 1 + words[taken].Length <= MaxSlugLength)
        {
            length += 1 + words[taken].Length;
            taken++;
        }

        var result = taken == 0
            ? collapsed[..Math.Min(MaxSlugLength, collapsed.Length)]
            : string.Join('-', words, 0, taken);
        return result.ToLowerInvariant();
    }

    public static string UserName(string organisation, string project, string environmentName) =>
        $"{Slug(Normalise(project))}-{Slug(environmentName)}-{Hash(organisation, project, environmentName)[..7]}";
}
