namespace Provider.Planning.Planner;

public static class PlanLimits
{
    /// <summary>New UIDs start above this (hostenv leaves 1000-1001 to the system's first users).</summary>
    public const int UidFloor = 1001;

    /// <summary>65534 is nobody; 65535 is invalid in many tools.</summary>
    public const int MaxUid = 65533;

    public const int PlanFormat = 1;
}

public static class Vhosts
{
    /// <summary>Virtual hosts compare case-insensitively with a trailing dot ignored.</summary>
    public static string Normalise(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();
}
