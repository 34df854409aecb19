using System.Collections.Immutable;

namespace Provider.Nodes.Engine;

public enum DiagnoseSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// One thing `diagnose` found: how bad, where (node, environment when it is one's), which check, what was seen (numbers
/// in <see cref="Seen"/>, log or tool output lines in <see cref="Lines"/>) and what to do, as a command to run.
/// </summary>
public sealed record DiagnoseFinding(DiagnoseSeverity Severity, string Node, string? Environment, string Check, string Seen, string Recommendation)
{
    public ImmutableArray<string> Lines { get; init; } = [];
}

/// <summary>Check ids, stable for scripts that read `diagnose --format json`.</summary>
public static class DiagnoseChecks
{
    public const string HostKey = "host-key";
    public const string Unreachable = "unreachable";
    public const string Incomplete = "incomplete";
    public const string Disk = "disk";
    public const string Inodes = "inodes";
    public const string Memory = "memory";
    public const string Oom = "oom-kill";
    public const string FailedUnit = "failed-unit";
    public const string Nginx = "nginx-config";
    public const string Certificate = "certificate";
    public const string Dns = "dns";
    public const string Clock = "clock-skew";
    public const string Lock = "node-lock";
    public const string AppStopped = "app-stopped";
    public const string Containers = "containers";
    public const string RestartLoop = "restart-loop";
    public const string Drift = "drift";
    public const string Secrets = "secrets";
    public const string NotDeployed = "not-deployed";
}
