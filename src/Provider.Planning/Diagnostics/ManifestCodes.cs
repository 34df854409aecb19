namespace Provider.Planning.Diagnostics;

/// <summary>HP1xxx: reading and validating input files (YAML syntax, schema, field values).</summary>
public static class ManifestCodes
{
    public const string YamlSyntax = "HP1001";
    public const string DuplicateKey = "HP1002";
    public const string UnknownKey = "HP1003";
    public const string WrongType = "HP1004";
    public const string MissingField = "HP1005";
    public const string InvalidValue = "HP1006";
    public const string MissingFile = "HP1007";
    public const string UnsupportedYaml = "HP1008";
    public const string InvalidName = "HP1009";
    public const string ProjectMismatch = "HP1010";
    public const string LockInvalid = "HP1011";
    public const string LockStale = "HP1012";
    public const string SourceUnavailable = "HP1013";
    public const string ManifestHashMismatch = "HP1014";
    public const string InvalidRegex = "HP1015";
    public const string WildcardWithLetsEncrypt = "HP1016";

    /// <summary>An input file holds bytes that are not UTF-8 (read as U+FFFD).</summary>
    public const string NotUtf8 = "HP1017";
}
