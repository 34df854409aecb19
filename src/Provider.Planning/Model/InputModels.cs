using System.Collections.Immutable;
using Provider.Planning.Inputs;

namespace Provider.Planning.Model;

public sealed record LetsEncryptConfig(string? AdminEmail, bool AcceptTerms, string Directory)
{
    public const string ProductionDirectory = "https://acme-v02.api.letsencrypt.org/directory";
}

public sealed record NodeForConfig(string? Default, string? Production, string? Testing, string? Development)
{
    public string? For(string environmentType) => environmentType switch
    {
        "production" => Production ?? Default,
        "testing" => Testing ?? Default,
        "development" => Development ?? Default,
        _ => Default,
    };
}

/// <summary>Cloudflare settings. The token itself never enters the model: only where to find it.</summary>
public sealed record CloudflareConfig(bool Enable, string? ZoneId, string? ApiTokenFile, string? ApiTokenEnv);

/// <summary>Where a project's manifest comes from: a path in the provider repo, or a git URL pinned in provider.lock.</summary>
public sealed record ProjectSource(string Name, string? Path, string? Git, string? Ref, string Dir)
{
    public bool IsGit => Git is not null;

    /// <summary>containers.allow: the <see cref="Containers.ContainerFeature"/> names this project's compose files may use (sorted, distinct).</summary>
    public ImmutableArray<string> ContainerAllow { get; init; } = [];
}

public sealed record ResourceLimits(string? CpuQuota, string? MemoryMax)
{
    public static readonly ResourceLimits None = new(null, null);

    public ResourceLimits Over(ResourceLimits defaults) => new(CpuQuota ?? defaults.CpuQuota, MemoryMax ?? defaults.MemoryMax);
}

public sealed record HealthTimings(int IntervalSeconds, int TimeoutSeconds, int DeadlineSeconds)
{
    public static readonly HealthTimings Default = new(1, 5, 30);
}

public sealed record DeployDefaults(int Parallel, int KeepReleases, HealthTimings HealthCheck)
{
    public static readonly DeployDefaults Default = new(10, 5, HealthTimings.Default);
}

/// <summary>
/// A webhook `serve` posts to when a job ends (provider.yaml `notify:`). Exactly one of Url and UrlEnv is set after
/// validation; UrlEnv names the serve process's environment variable holding the URL, so a secret URL stays out of git.
/// Pointer is where the entry sits in provider.yaml. Never written to the plan.
/// </summary>
public sealed record NotifyTarget(string Name, string? Url, string? UrlEnv, NotifyFormat Format, ImmutableArray<NotifyEvent> On, string Pointer = "")
{
    public bool Wants(NotifyEvent e) => On.Contains(e);
}

public enum NotifyFormat
{
    Json,
    Slack,
    Discord,
}

/// <summary>How a job ended, as `notify.on` names it (kebab-case in YAML: rolled-back).</summary>
public enum NotifyEvent
{
    Succeeded,
    Failed,
    RolledBack,
    Cancelled,
    Interrupted,
}

public sealed record ProviderConfig(
    string HostenvHostname,
    string DeployUser,
    ImmutableArray<string> DeployPublicKeys,
    LetsEncryptConfig LetsEncrypt,
    NodeForConfig NodeFor,
    CloudflareConfig Cloudflare,
    ImmutableArray<ProjectSource> Projects,
    ResourceLimits DefaultResources,
    DeployDefaults Deploy,
    SourceMap Source)
{
    /// <summary>Webhooks for `serve` (validated by the planner, never part of the plan).</summary>
    public ImmutableArray<NotifyTarget> Notify { get; init; } = [];

    /// <summary>secrets.recipients: operators' age recipients every environment's encrypted secrets are also encrypted to.</summary>
    public ImmutableArray<string> SecretRecipients { get; init; } = [];
}

public sealed record NodeConfig(
    string Name,
    string Address,
    int Port,
    string? User,
    string? HostKey,
    ImmutableArray<string> Addresses,
    bool MagicRollback,
    int ConfirmTimeoutSeconds,
    SourceMap Source);

public sealed record UserSpec(string Id, string? Email, ImmutableArray<string> PublicKeys);

public sealed record SecuritySpec(
    string? ReferrerPolicy,
    string? XFrameOptions,
    bool XContentTypeOptions,
    string? ReportTo,
    bool? Hsts,
    string? Csp,
    string? CspReportTo,
    string CspMode)
{
    public static readonly SecuritySpec Default = new("strict-origin-when-cross-origin", "SAMEORIGIN", true, null, null, null, null, "enforce");
}

public sealed record LocationSpec(string Path, string? ProxyPass, string? Root, string? Alias, string? Index, string? TryFiles, string? Return, string? ExtraConfig);

/// <summary>A declared vhost. <see cref="Pointer"/> is made when a diagnostic needs it: every manifest's models live until
/// the plan is written, and each string they hold is one more object for the GC to promote.</summary>
public sealed record VirtualHostSpec(
    string Name,
    string EnvironmentName,
    bool EnableLetsEncrypt,
    bool? ForceSsl,
    string? GlobalRedirect,
    int? RedirectCode,
    ImmutableArray<string> ServerAliases,
    ImmutableArray<LocationSpec> Locations,
    string? ExtraConfig,
    bool? AllowIndexing,
    bool? Hsts,
    SecuritySpec Security)
{
    /// <summary>Where the vhost is declared: /environments/&lt;env&gt;/virtualHosts/&lt;name&gt;.</summary>
    public string Pointer => YamlDocument.Child(EnvironmentSpec.PointerOf(EnvironmentName) + "/virtualHosts", Name);
}

public sealed record HealthCheckSpec(string Path, int IntervalSeconds, int TimeoutSeconds, int DeadlineSeconds, string ExpectStatus);

public sealed record AppSpec(
    ImmutableArray<string> Build,
    int BuildTimeoutSeconds,
    string? Run,
    string? Static,
    HealthCheckSpec? HealthCheck,
    string? PreDeploy,
    string? PostDeploy,
    int KeepReleases,
    ImmutableArray<string> SharedDirs,
    ImmutableArray<string> SandboxAllow)
{
    /// <summary>app.data: directories under the home that a move to another node carries (besides the XDG data and state dirs).</summary>
    public ImmutableArray<string> Data { get; init; } = [];

    /// <summary>app.compose: the environment runs as a docker compose project (DESIGN §10).</summary>
    public ComposeSpec? Compose { get; init; }

    /// <summary>app.preset (python, node): Build and Run already hold what it resolved to; the node needs its runtime.</summary>
    public string? Preset { get; init; }
}

/// <summary>app.compose: the release's compose file, the service that receives the vhost's traffic, and its port inside its container.</summary>
public sealed record ComposeSpec(string File, string Service, int Port);

public sealed record VerificationSpec(string Path, string? Host, string Scheme, string ExpectStatus, string? BodyRegex, bool FollowRedirects, bool Enforce);

public sealed record EnvironmentSpec(
    string Name,
    bool Enable,
    string Type,
    string? Node,
    ImmutableArray<UserSpec> Users,
    ImmutableArray<VirtualHostSpec> VirtualHosts,
    AppSpec? App,
    ImmutableArray<string> Secrets,
    ImmutableArray<VerificationSpec> Verification,
    ResourceLimits Resources)
{
    /// <summary>Where the environment is declared: /environments/&lt;name&gt; (made on use, see <see cref="VirtualHostSpec"/>).</summary>
    public string Pointer => PointerOf(Name);

    public static string PointerOf(string environmentName) => YamlDocument.Child("/environments", environmentName);
}

public sealed record ProjectManifest(
    string ProjectName,
    string Organisation,
    string Project,
    string? DefaultEnvironment,
    ImmutableArray<UserSpec> AllUsers,
    ImmutableArray<EnvironmentSpec> Environments,
    SourceMap Source);
