using System.Collections.Immutable;

namespace Provider.Planning.Model;

/// <summary>
/// The protections of an app's sandbox that a manifest may lift for one environment (`app.sandbox.allow`), each by
/// an explicit name. Everything else in the sandbox always applies. The names are the schema's enum and the plan's
/// values; <see cref="Provider.Planning.Render.AppSandbox"/> turns them into unit settings.
/// </summary>
public static class SandboxRelaxation
{
    /// <summary>The release directories become writable (default: read-only while the app runs).</summary>
    public const string WriteRelease = "writeRelease";

    /// <summary>The app may create namespaces (RestrictNamespaces off), e.g. for Chromium's own sandbox or bubblewrap.</summary>
    public const string CreateNamespaces = "createNamespaces";

    /// <summary>No system call filter (default: systemd's @system-service set).</summary>
    public const string AnySystemCall = "anySystemCall";

    /// <summary>Any socket address family (default: AF_UNIX, AF_INET, AF_INET6 only), e.g. netlink.</summary>
    public const string AnyAddressFamily = "anyAddressFamily";

    /// <summary>/proc's system-wide files (meminfo, cpuinfo, stat, loadavg) are readable (default: only process directories).</summary>
    public const string SystemInfo = "systemInfo";

    public static readonly ImmutableArray<string> All = [AnyAddressFamily, AnySystemCall, CreateNamespaces, SystemInfo, WriteRelease];
}
