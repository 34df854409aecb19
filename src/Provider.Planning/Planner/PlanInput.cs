using System.Collections.Immutable;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

public sealed record NodeInput(string Name, SourceFile File);

/// <summary>
/// A project's manifest as read at its pinned revision. When it could not be read, Manifest is null and
/// Missing says what was looked for and how to fix it; the planner reports it at the project's entry.
/// </summary>
public sealed record ProjectInput(string Name, SourceFile? Manifest, string? Rev, MissingManifest? Missing = null)
{
    /// <summary>The project's encrypted secrets (&lt;dir&gt;/secrets/&lt;environment&gt;.age) at the same revision, sorted by environment.</summary>
    public ImmutableArray<SecretsFileInput> SecretFiles { get; init; } = [];

    /// <summary>The compose files its environments name (app.compose.file), read at the same revision, sorted by path.</summary>
    public ImmutableArray<ProjectFileInput> ComposeFiles { get; init; } = [];
}

/// <summary>
/// A file of a project that the planner needs besides the manifest: its path in the project (the release), its text and
/// the SHA-256 of its bytes (Text null: no such file), and the name messages use (repo-relative).
/// </summary>
public sealed record ProjectFileInput(string Path, string? Text, string? Sha256, string DisplayName);

/// <summary>
/// One .age file of a project as the loader saw it: the environment it is for, its path in the project, the SHA-256 of
/// its bytes (the planner never sees ciphertext), where messages point at (repo-relative), and its .recipients file if any.
/// </summary>
public sealed record SecretsFileInput(string Environment, string Path, string Sha256, string DisplayName, SourceFile? Recipients);

public sealed record MissingManifest(string Message, string Hint, string Code = Diagnostics.ManifestCodes.MissingFile);

/// <summary>Everything the planner may look at, already read from disk by the caller.</summary>
public sealed record PlanInput(
    SourceFile Provider,
    ImmutableArray<NodeInput> Nodes,
    ImmutableArray<ProjectInput> Projects,
    SourceFile? PreviousState,
    SourceFile? PreviousPlan = null);

/// <summary>One environment after planning: its identity, reservation and where it runs.</summary>
public sealed record PlannedEnvironment(
    string UserName,
    int Uid,
    string Node,
    string? PreviousNode,
    bool IsNew,
    ProjectManifest Manifest,
    ProjectSource Source,
    string? Rev,
    EnvironmentSpec Spec,
    ImmutableArray<string> VirtualHosts)
{
    public bool Enabled => Spec.Enable;

    /// <summary>The environment's secrets kept in its project as age ciphertext, if any.</summary>
    public Plan.EncryptedSecretsPlan? EncryptedSecrets { get; init; }

    /// <summary>app.compose with the hash of the compose file at the planned revision, when the environment runs containers.</summary>
    public Plan.ComposePlan? Compose { get; init; }
}

public sealed record PlannedFleet(
    ProviderConfig Provider,
    ImmutableArray<NodeConfig> Nodes,
    ImmutableArray<PlannedEnvironment> Environments,
    ProviderState State,
    string InputsHash);

public sealed record PlanResult(ImmutableArray<Diagnostic> Diagnostics, PlannedFleet? Fleet, byte[]? PlanJson, byte[]? StateJson)
{
    public bool Success => Fleet is not null && !Diagnostics.Any(d => d.IsError);
}
