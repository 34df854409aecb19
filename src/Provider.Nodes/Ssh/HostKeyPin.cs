using System.Security.Cryptography;

namespace Provider.Nodes.Ssh;

/// <summary>A node's pinned public host key ("ssh-ed25519 AAAA..."), compared by SHA256 fingerprint as `ssh-keygen -lf` prints it.</summary>
public sealed record HostKeyPin(string Algorithm, byte[] Blob)
{
    public string Fingerprint => FingerprintOf(Blob);

    public static string FingerprintOf(byte[] blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    public static HostKeyPin Parse(string line)
    {
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            throw new FormatException("a host key line looks like 'ssh-ed25519 AAAA...'");
        }

        try
        {
            return new HostKeyPin(parts[0], Convert.FromBase64String(parts[1]));
        }
        catch (FormatException)
        {
            throw new FormatException("the host key's second field is not base64");
        }
    }

    public string ToLine() => Algorithm + " " + Convert.ToBase64String(Blob);
}
