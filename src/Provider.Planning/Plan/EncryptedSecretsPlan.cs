using System.Collections.Immutable;

namespace Provider.Planning.Plan;

/// <summary>
/// plan.environments.&lt;userName&gt;.encryptedSecrets: the environment's secrets kept in its project as age ciphertext
/// (<see cref="File"/>, relative to the project root, with its SHA-256), the recipients it must be encrypted to now
/// (the pinned host key of the environment's node, then provider.yaml's secrets.recipients), and why it needs
/// `hostenv-provider secrets rekey` (null when it does not). Never a value: only the node can read those.
/// </summary>
public sealed record EncryptedSecretsPlan(string File, string Sha256, ImmutableArray<string> Recipients, string? Rekey);
