namespace Provider.Planning.Diagnostics;

/// <summary>HP2xxx: planning (node mapping, reservations, state).</summary>
public static class PlanCodes
{
    public const string UnknownNode = "HP2001";
    public const string NoNodeForType = "HP2002";
    public const string VhostHeldByOther = "HP2003";
    public const string VhostClaimedTwice = "HP2004";
    public const string TwoProductionEnvironments = "HP2005";
    public const string UidExhausted = "HP2006";
    public const string StateInvalid = "HP2007";
    public const string StateDuplicateUid = "HP2008";
    public const string UserNameCollision = "HP2009";
    public const string DefaultEnvironmentUnknown = "HP2010";

    /// <summary>generated/plan.json is not valid JSON.</summary>
    public const string PlanFileMalformed = "HP2011";

    /// <summary>generated/plan.json has a planFormat this version does not read.</summary>
    public const string PlanFileFormat = "HP2012";

    /// <summary>A field of generated/plan.json is missing, of the wrong type, or names something the plan does not have.</summary>
    public const string PlanFileField = "HP2013";

    /// <summary>A name derived from hostenvHostname (a node's or an environment's canonical name) is longer than DNS allows.</summary>
    public const string DerivedNameTooLong = "HP2014";
}
