using System.Text.RegularExpressions;
using Provider.Planning.Inputs;

namespace Provider.Planning.Secrets;

/// <summary>
/// A recipient age can encrypt to: an X25519 key ("age1" and 58 bech32 characters) or an OpenSSH public key line
/// (ssh-ed25519 or ssh-rsa; its comment is dropped). <see cref="Canonical"/> is the form recipients are compared
/// and recorded in (.hostenv/secrets/&lt;environment&gt;.recipients), so a comment never makes two keys differ.
/// </summary>
public static partial class AgeRecipient
{
    [GeneratedRegex("^age1[02-9ac-hj-np-z]{58}\\z")]
    private static partial Regex X25519Pattern();

    /// <summary>Why the text is not a recipient age accepts, or null when it is.</summary>
    public static string? Problem(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("age1", StringComparison.Ordinal))
        {
            return X25519Pattern().IsMatch(trimmed)
                ? null
                : "an age key is 'age1' and 58 lowercase bech32 characters (was it cut short when copied?)";
        }

        if (trimmed.StartsWith("ssh-ed25519 ", StringComparison.Ordinal) || trimmed.StartsWith("ssh-rsa ", StringComparison.Ordinal))
        {
            return SshKeyForm.Problem(trimmed);
        }

        if (trimmed.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal))
        {
            return "this is an age SECRET key: list its public key (`age-keygen -y KEYFILE` prints it), and keep the secret one out of git";
        }

        return "an age recipient is an 'age1...' key or an 'ssh-ed25519 AAAA...' / 'ssh-rsa AAAA...' public key line";
    }

    /// <summary>The comparable form: the age key as it is, an SSH key as "type base64" without its comment.</summary>
    public static string Canonical(string text)
    {
        var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[0].StartsWith("ssh-", StringComparison.Ordinal) ? parts[0] + " " + parts[1] : text.Trim();
    }

    /// <summary>A short name for messages: the age key's start, or the SSH key's type and a base64 excerpt.</summary>
    public static string Short(string canonical)
    {
        var parts = canonical.Split(' ');
        return parts.Length == 2 ? $"{parts[0]} …{parts[1][^12..]}" : canonical[..Math.Min(16, canonical.Length)] + "…";
    }
}
