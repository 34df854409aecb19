using Provider.Planning.Inputs;

namespace Provider.Planning.Tests.Inputs;

/// <summary>A public key line is whole when its base64 data decodes and names the type the line starts with.</summary>
public class SshKeyFormTests
{
    private const string Blob = "AAAAC3NzaC1lZDI1NTE5AAAAIF3K4dNygAyVlmkL9ffu1D9sNooP20rKAzgFO76USern";

    [Theory]
    [InlineData("ssh-ed25519 " + Blob)]
    [InlineData("ssh-ed25519 " + Blob + " root@node-a")]
    public void Problem_WholeKey_IsNull(string line) => Assert.Null(SshKeyForm.Problem(line));

    [Theory]
    [InlineData("ssh-ed25519 " + "AAAAC3NzaC1lZDI1NTE5AAAAIF3K4dNygAyVlmkL9ffu1D9sNooP20rKAzgFO76USe", "not complete base64")]
    [InlineData("ssh-ed25519 " + "AAAAC3NzaC1lZDI1NTE5AAAAIF3K4dNygAyVlmkL9ffu1D9sNooP20rKAzgF", "wrong length")]
    [InlineData("ssh-rsa " + Blob, "is a 'ssh-ed25519' key but the line starts with 'ssh-rsa'")]
    [InlineData("ssh-ed25519 AAAA", "does not start with a key type")]
    [InlineData("ssh-ed25519", "no key data")]
    public void Problem_KeyCutShortOrMislabelled_SaysWhat(string line, string expected) =>
        Assert.Contains(expected, SshKeyForm.Problem(line) ?? "(null)", StringComparison.Ordinal);
}
