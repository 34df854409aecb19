using System.Buffers.Binary;
using System.Text;

namespace Provider.Planning.Inputs;

/// <summary>
/// What the schema pattern of an OpenSSH public key line cannot see: whether its base64 data decodes and
/// names the same key type as the line. A key cut short when copied passes the pattern, and a node's
/// host key would then only fail at deploy, as a mismatch that looks like an attack.
/// </summary>
public static class SshKeyForm
{
    /// <summary>Why the key line is not a whole key, or null when it is.</summary>
    public static string? Problem(string line)
    {
        var parts = line.Split(' ', 3);
        if (parts.Length < 2)
        {
            return "it has no key data after the key type";
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return "its key data is not complete base64 (was it cut short when copied?)";
        }

        var length = blob.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(blob) : -1;
        if (length <= 0 || length > blob.Length - 4)
        {
            return "its key data does not start with a key type (was it cut short when copied?)";
        }

        var type = Encoding.ASCII.GetString(blob, 4, length);
        if (type != parts[0])
        {
            return $"its key data is a '{type}' key but the line starts with '{parts[0]}'";
        }

        // ed25519 key data is the type and 32 bytes of key: 4 + 11 + 4 + 32.
        return type == "ssh-ed25519" && blob.Length != 51 ? "its key data has the wrong length for an ssh-ed25519 key (was it cut short?)" : null;
    }
}
