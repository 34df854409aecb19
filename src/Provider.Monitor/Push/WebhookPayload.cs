using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Provider.Monitor.Push;

/// <summary>A git host's push webhook as read: who sent it, whether it is a push, and (for a push) the repository's URLs, the ref and the new commit.</summary>
public sealed record WebhookPush(string Sender, bool IsPush, ImmutableArray<string> Repositories, string? Ref, string? Rev, bool Deleted);

/// <summary>
/// The three webhook dialects: GitHub (X-GitHub-Event, X-Hub-Signature-256 "sha256=HEX"), Gitea and Forgejo
/// (X-Gitea-Event/X-Forgejo-Event, X-Gitea-Signature/X-Forgejo-Signature "HEX"; both also send GitHub's headers, so
/// they are recognised first) and GitLab (X-Gitlab-Event, X-Gitlab-Token equal to the secret). Signatures are HMAC-SHA256
/// of the raw body with the shared secret, compared in constant time.
/// </summary>
public static class WebhookPayload
{
    /// <summary>"github", "gitea", "forgejo", "gitlab", or null when the request is from none of them.</summary>
    public static string? SenderOf(IHeaderDictionary headers) =>
        headers.ContainsKey("X-Forgejo-Event") ? "forgejo"
        : headers.ContainsKey("X-Gitea-Event") ? "gitea"
        : headers.ContainsKey("X-Gitlab-Event") ? "gitlab"
        : headers.ContainsKey("X-GitHub-Event") ? "github"
        : null;

    public static bool Verify(string sender, IHeaderDictionary headers, ReadOnlySpan<byte> body, byte[] secret)
    {
        switch (sender)
        {
            case "gitlab":
                // Hashed first, so the comparison takes the same time whatever the length of the guess.
                return FixedEquals(SHA256.HashData(Encoding.UTF8.GetBytes(headers["X-Gitlab-Token"].ToString())), SHA256.HashData(secret));
            case "github":
                var header = headers["X-Hub-Signature-256"].ToString();
                return header.StartsWith("sha256=", StringComparison.Ordinal) && HexEquals(header["sha256=".Length..], body, secret);
            default:
                var name = sender == "forgejo" ? "X-Forgejo-Signature" : "X-Gitea-Signature";
                return HexEquals(headers[name].ToString(), body, secret);
        }
    }

    public static WebhookPush Read(string sender, IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        var @event = sender switch
        {
            "forgejo" => headers["X-Forgejo-Event"].ToString(),
            "gitea" => headers["X-Gitea-Event"].ToString(),
            "gitlab" => headers["X-Gitlab-Event"].ToString(),
            _ => headers["X-GitHub-Event"].ToString(),
        };
        var isPush = sender == "gitlab" ? @event is "Push Hook" or "Tag Push Hook" : @event == "push";
        if (!isPush)
        {
            return new WebhookPush(sender, false, [], null, null, false);
        }

        using var json = JsonDocument.Parse(body.ToArray());
        var root = json.RootElement;
        var urls = new List<string>();
        foreach (var holder in new[] { "repository", "project" })
        {
            if (root.TryGetProperty(holder, out var repo) && repo.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in new[] { "clone_url", "ssh_url", "git_url", "git_http_url", "git_ssh_url", "html_url", "url", "web_url" })
                {
                    if (repo.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } url && !urls.Contains(url))
                    {
                        urls.Add(url);
                    }
                }
            }
        }

        var @ref = String(root, "ref");
        var rev = String(root, "after") ?? String(root, "checkout_sha");
        var deleted = root.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True || rev is not null && rev.All(c => c == '0');
        return new WebhookPush(sender, true, [.. urls], @ref, rev, deleted);
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool HexEquals(string hex, ReadOnlySpan<byte> body, byte[] secret)
    {
        byte[] given;
        try
        {
            given = Convert.FromHexString(hex.Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        return FixedEquals(given, HMACSHA256.HashData(secret, body));
    }

    private static bool FixedEquals(byte[] a, byte[] b) => a.Length == b.Length && CryptographicOperations.FixedTimeEquals(a, b);
}
