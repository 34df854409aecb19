namespace Provider.Cli.Tests.Support;

/// <summary>
/// The per-run canary that scripts/test exports (HOSTENV_TEST_CANARY): tests that set secrets put it in the value, and
/// scripts/canary-scan proves after the suite that it reached no plan, state, journal, log or node file outside the
/// secrets files. Without scripts/test, a fixed value of the same shape.
/// </summary>
public static class TestCanary
{
    public static string Value { get; } = Environment.GetEnvironmentVariable("HOSTENV_TEST_CANARY") is { Length: > 0 } c ? c : "hp-canary-local";

    /// <summary>Where scripts/test wants finished test repos kept for the scan (HOSTENV_TEST_KEEP), or null: delete them.</summary>
    public static string? KeepDir => Environment.GetEnvironmentVariable("HOSTENV_TEST_KEEP") is { Length: > 0 } k ? k : null;
}
