namespace Provider.Cli;

/// <summary>Exit codes are part of the CLI contract (DESIGN §8).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    public const int ChangesFound = 2;
    public const int RolledBack = 3;
    public const int Cancelled = 130;
}
