namespace Provider.Planning.Diagnostics;

/// <summary>HP22xx: container workloads (a release's compose file checked against what provider.yaml allows its project).</summary>
public static class ContainerCodes
{
    /// <summary>The compose file is not readable YAML.</summary>
    public const string ComposeSyntax = "HP2201";

    /// <summary>A compose setting would let the project escape its tenant, and provider.yaml does not allow that feature for the project.</summary>
    public const string FeatureNotAllowed = "HP2202";

    /// <summary>The compose file pulls in a file from outside the release (extends, include): it could not be checked, and never travels with the release.</summary>
    public const string FileOutsideRelease = "HP2203";

    /// <summary>A namespace join names a service the compose file does not have.</summary>
    public const string UnknownService = "HP2204";
}
