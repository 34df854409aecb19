using System.Collections.Immutable;

namespace Provider.Planning.Plan;

/// <summary>plan.environments.&lt;userName&gt;: one environment as planned (a disabled one too: it keeps its reservation).</summary>
public sealed record EnvironmentPlan(
    string UserName,
    int Uid,
    string Node,
    string? PreviousNode,
    string Type,
    bool Enable,
    string Organisation,
    string Project,
    string ProjectName,
    string EnvironmentName,
    string Hostname,
    bool IsDefaultEnvironment,
    ImmutableArray<string> VirtualHosts,
    EnvironmentPaths Paths,
    EnvironmentResources Resources,
    ImmutableArray<string> Secrets,
    EnvironmentSource Source,
    AppPlan? App,
    ImmutableSortedDictionary<string, EnvironmentUser> Users,
    ImmutableArray<string> AuthorizedKeys,
    ImmutableArray<VerificationCheck> DeploymentVerification)
{
    /// <summary>The environment's secrets kept in its project as age ciphertext, if any.</summary>
    public EncryptedSecretsPlan? EncryptedSecrets { get; init; }
}

/// <summary>Where the environment's files live on its node.</summary>
public sealed record EnvironmentPaths(string Home, string RuntimeDir, string UpstreamRuntimeDir, string DataDir, string StateDir, string CacheDir);

/// <summary>The environment's slice limits after the provider's defaults; null means no limit.</summary>
public sealed record EnvironmentResources(string? CpuQuota, string? MemoryMax);

/// <summary>Where the release comes from: a path in the provider repo, or a git URL with its ref and locked commit.</summary>
public sealed record EnvironmentSource(string? Path, string? Git, string? Ref, string? Rev, string Dir);

/// <summary>A person with access to the environment (allEnvironments.users merged with the environment's own).</summary>
public sealed record EnvironmentUser(string Id, string? Email, ImmutableArray<string> PublicKeys);

/// <summary>How to build, run and health-check the environment's code (DESIGN §7).</summary>
public sealed record AppPlan(
    ImmutableArray<string> Build,
    int BuildTimeoutSeconds,
    string? Run,
    string? Static,
    HealthCheckPlan? HealthCheck,
    AppHooks Hooks,
    int KeepReleases,
    ImmutableArray<string> SharedDirs,
    ImmutableArray<string> SandboxAllow)
{
    /// <summary>app.data: directories under the home that a move to another node carries (absent from plan.json when empty).</summary>
    public ImmutableArray<string> Data { get; init; } = [];

    /// <summary>app.compose: the environment runs as a docker compose project; null for a command or a static site.</summary>
    public ComposePlan? Compose { get; init; }

    /// <summary>Whether deploy ships a release for it: a process to run, a compose project or a static directory to serve.</summary>
    public bool ShipsRelease => Run is not null || Static is not null || Compose is not null;

    /// <summary>Whether a process (an app.run command or a compose project behind its slot's proxy) serves it from slot a or b.</summary>
    public bool RunsInSlots => Run is not null || Compose is not null;

    /// <summary>A static site: nginx serves the release's directory and no process runs.</summary>
    public bool IsStatic => Run is null && Compose is null && Static is not null;

    /// <summary>
    /// The app section exactly as plan.json holds it (same keys, same nulls), for what fingerprints the planned app
    /// settings: a release deployed before the typed model must keep its fingerprint. Tested against every golden plan.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject ToJson()
    {
        var json = ToJsonWithoutData();
        if (!Data.IsEmpty)
        {
            json["data"] = new System.Text.Json.Nodes.JsonArray([.. Data.Select(d => (System.Text.Json.Nodes.JsonNode?)d)]);
        }

        return json;
    }

    private System.Text.Json.Nodes.JsonObject ToJsonWithoutData() => new()
    {
        ["build"] = new System.Text.Json.Nodes.JsonArray([.. Build.Select(b => (System.Text.Json.Nodes.JsonNode?)b)]),
        ["buildTimeoutSeconds"] = BuildTimeoutSeconds,
        ["compose"] = Compose is { } c ? new System.Text.Json.Nodes.JsonObject
        {
            ["file"] = c.File,
            ["fileSha256"] = c.FileSha256,
            ["port"] = c.Port,
            ["service"] = c.Service,
        } : null,
        ["healthCheck"] = HealthCheck is { } hc ? new System.Text.Json.Nodes.JsonObject
        {
            ["deadlineSeconds"] = hc.DeadlineSeconds,
            ["expectStatus"] = hc.ExpectStatus,
            ["intervalSeconds"] = hc.IntervalSeconds,
            ["path"] = hc.Path,
            ["timeoutSeconds"] = hc.TimeoutSeconds,
        } : null,
        ["hooks"] = new System.Text.Json.Nodes.JsonObject { ["postDeploy"] = Hooks.PostDeploy, ["preDeploy"] = Hooks.PreDeploy },
        ["keepReleases"] = KeepReleases,
        ["run"] = Run,
        ["sandbox"] = new System.Text.Json.Nodes.JsonObject { ["allow"] = new System.Text.Json.Nodes.JsonArray([.. SandboxAllow.Select(a => (System.Text.Json.Nodes.JsonNode?)a)]) },
        ["sharedDirs"] = new System.Text.Json.Nodes.JsonArray([.. SharedDirs.Select(d => (System.Text.Json.Nodes.JsonNode?)d)]),
        ["static"] = Static,
    };
}

/// <summary>plan app.compose: the compose file in the release, its SHA-256 at the planned revision, the service behind the vhost and its port.</summary>
public sealed record ComposePlan(string File, string FileSha256, string Service, int Port);

public sealed record HealthCheckPlan(string Path, int IntervalSeconds, int TimeoutSeconds, int DeadlineSeconds, string ExpectStatus);

public sealed record AppHooks(string? PreDeploy, string? PostDeploy);

/// <summary>An HTTP check run against the node after a deploy; <see cref="Host"/> already defaults to the environment's first vhost.</summary>
public sealed record VerificationCheck(string Scheme, string Host, string Path, string ExpectStatus, string? BodyRegex, bool FollowRedirects, bool Enforce);
