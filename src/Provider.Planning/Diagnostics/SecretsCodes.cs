namespace Provider.Planning.Diagnostics;

/// <summary>HP21xx: secrets kept in git as age ciphertext (.hostenv/secrets/&lt;environment&gt;.age).</summary>
public static class SecretsCodes
{
    /// <summary>The ciphertext is not encrypted to the recipients it needs now (the node or provider.yaml's recipients changed).</summary>
    public const string NeedsRekey = "HP2101";

    /// <summary>A line of a .recipients file is not an age recipient.</summary>
    public const string RecipientsFileInvalid = "HP2102";

    /// <summary>A provider.yaml secrets.recipients entry is not an age recipient.</summary>
    public const string InvalidRecipient = "HP2103";
}
