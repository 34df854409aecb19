using System.Collections.Immutable;
using System.Globalization;
using Provider.Planning.Diagnostics;
using Provider.Planning.Model;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Planning.Secrets;

/// <summary>
/// Secrets in git (.hostenv/secrets/&lt;environment&gt;.age): which recipients each environment's ciphertext must be
/// encrypted to now, and whether the recorded ones (&lt;environment&gt;.recipients) still match. A mismatch is a
/// warning at plan time (deploy refuses that environment) naming the fix, `hostenv-provider secrets rekey ENV`.
/// </summary>
public static class EncryptedSecretsPlanner
{
    /// <summary>The recipients an environment's secrets need: its node's pinned host key, then the operators' recipients (canonical, sorted).</summary>
    public static ImmutableArray<string> Desired(string? nodeHostKey, IEnumerable<string> operatorRecipients) =>
        [.. (nodeHostKey is null ? [] : new[] { nodeHostKey }).Concat(operatorRecipients)
            .Select(AgeRecipient.Canonical).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Positioned errors for provider.yaml secrets.recipients entries age would not take.</summary>
    public static void CheckOperatorRecipients(ProviderConfig provider, DiagnosticBag diagnostics)
    {
        foreach (var (recipient, i) in provider.SecretRecipients.Select((r, i) => (r, i)))
        {
            if (AgeRecipient.Problem(recipient) is { } problem)
            {
                var index = i.ToString(CultureInfo.InvariantCulture);
                diagnostics.Add(new Diagnostic(
                    SecretsCodes.InvalidRecipient, DiagnosticLevel.Error, $"recipient {index} is not an age recipient: {problem}",
                    provider.Source.PositionOf("/secrets/recipients/" + index), "secrets.recipients." + index,
                    "use an age public key (`age-keygen -y KEYFILE`) or a whole ssh-ed25519 public key line (`cat ~/.ssh/id_ed25519.pub`)"));
            }
        }
    }

    /// <summary>Why the recorded recipients are not the needed ones, or null when they match.</summary>
    public static string? RekeyReason(ImmutableArray<string>? recorded, ImmutableArray<string> desired, string node, string? nodeHostKey, string? previousNode)
    {
        if (nodeHostKey is null)
        {
            return $"node {node} has no pinned hostKey in nodes/{node}/node.yaml, so nothing can be encrypted to it";
        }

        if (recorded is not { } have)
        {
            return "its recipients are not recorded (no .recipients file next to it)";
        }

        if (have.ToHashSet(StringComparer.Ordinal).SetEquals(desired))
        {
            return null;
        }

        var nodeKey = AgeRecipient.Canonical(nodeHostKey);
        if (!have.Contains(nodeKey, StringComparer.Ordinal))
        {
            return previousNode is not null && previousNode != node
                ? $"the environment's node changed ({previousNode} -> {node}) and {node}'s host key is not a recipient"
                : $"the host key of its node {node} is not a recipient (the node changed or its host key was replaced)";
        }

        var added = desired.Except(have, StringComparer.Ordinal).Select(AgeRecipient.Short).ToList();
        var removed = have.Except(desired, StringComparer.Ordinal).Select(AgeRecipient.Short).ToList();
        return "its recipients changed: " + string.Join("; ", new[]
        {
            added.Count > 0 ? "to add " + string.Join(", ", added) : null,
            removed.Count > 0 ? "to remove " + string.Join(", ", removed) + " (they can still open the current file)" : null,
        }.OfType<string>());
    }

    /// <summary>plan.json's encryptedSecrets object (keys in order, as the writer requires).</summary>
    public static void Write(Output.SortedJsonWriter w, EncryptedSecretsPlan plan)
    {
        w.StartObject("encryptedSecrets");
        w.String("file", plan.File);
        w.Strings("recipients", plan.Recipients);
        w.String("rekey", plan.Rekey);
        w.String("sha256", plan.Sha256);
        w.EndObject();
    }

    /// <summary>Each planned environment with the encrypted secrets its project keeps for it, and a warning per needed rekey.</summary>
    public static ImmutableArray<PlannedEnvironment> Attach(ProviderConfig provider, ImmutableSortedDictionary<string, NodeConfig> nodes,
        ImmutableArray<ProjectInput> projects, ImmutableArray<PlannedEnvironment> environments, DiagnosticBag diagnostics)
    {
        var files = projects.SelectMany(p => p.SecretFiles.Select(f => (Project: p.Name, File: f)))
            .ToDictionary(x => (x.Project, x.File.Environment), x => x.File);
        if (files.Count == 0)
        {
            return environments;
        }

        return [.. environments.Select(env =>
        {
            if (!files.TryGetValue((env.Source.Name, env.Spec.Name), out var file))
            {
                return env;
            }

            var hostKey = nodes.TryGetValue(env.Node, out var node) ? node.HostKey : null;
            var desired = Desired(hostKey, provider.SecretRecipients);
            ImmutableArray<string>? recorded = file.Recipients is { } text ? RecipientsFile.Parse(text, diagnostics) : null;
            var reason = RekeyReason(recorded, desired, env.Node, hostKey, env.PreviousNode);
            if (reason is not null)
            {
                diagnostics.Add(new Diagnostic(
                    SecretsCodes.NeedsRekey, DiagnosticLevel.Warning, $"secrets of {env.UserName} need a rekey: {reason}; deploy refuses this environment until then",
                    new SourcePosition(file.DisplayName, 0, 0), null, $"run `hostenv-provider secrets rekey {env.UserName}` (it needs an identity that can open the file), then commit and plan"));
            }

            return env with { EncryptedSecrets = new EncryptedSecretsPlan(file.Path, file.Sha256, desired, reason) };
        })];
    }
}
