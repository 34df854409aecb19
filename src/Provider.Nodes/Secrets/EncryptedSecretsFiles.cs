using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Provider.Nodes.Processes;
using Provider.Nodes.Sources;
using Provider.Planning.Inputs;
using Provider.Planning.Planner;
using Provider.Planning.Secrets;

namespace Provider.Nodes.Secrets;

/// <summary>
/// Reads a project's encrypted secrets for the planner: each &lt;dir&gt;/secrets/&lt;environment&gt;.age (only its
/// SHA-256: the planner never sees ciphertext) and the .recipients file beside it. A path source is read from its
/// working tree, a git source at its locked commit.
/// </summary>
public static class EncryptedSecretsFiles
{
    public static ImmutableArray<SecretsFileInput> FromDirectory(string projectRoot, string dir, string displayRoot)
    {
        var folder = Path.Combine(projectRoot, dir, "secrets");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return [.. Directory.GetFiles(folder, "*.age").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).Select(name =>
        {
            var environment = name[..^".age".Length];
            var relative = $"{dir.Trim('/')}/secrets/{name}";
            var recipients = Path.Combine(folder, environment + RecipientsFile.Extension);
            var display = $"{displayRoot.TrimEnd('/')}/{relative}";
            return new SecretsFileInput(environment, relative, Sha256(File.ReadAllBytes(Path.Combine(folder, name))), display,
                File.Exists(recipients) ? new SourceFile(display[..^".age".Length] + RecipientsFile.Extension, File.ReadAllText(recipients, Encoding.UTF8)) : null);
        })];
    }

    public static async Task<ImmutableArray<SecretsFileInput>> FromGitAsync(GitSource git, string url, string rev, string dir, string project, CancellationToken ct)
    {
        var prefix = $"{dir.Trim('/')}/secrets/";
        var list = await ProcessRunner.RunAsync("git", ["-C", git.RepoDir(url), "ls-tree", "-z", "--name-only", rev, "--", prefix], cancellationToken: ct);
        if (!list.Success)
        {
            return [];
        }

        var result = ImmutableArray.CreateBuilder<SecretsFileInput>();
        foreach (var path in list.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(p => p.EndsWith(".age", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var environment = path[prefix.Length..^".age".Length];
            var text = await git.ReadFileAsync(url, rev, path, ct) ?? "";
            var display = $"{project}@{rev[..12]}:{path}";
            var recipientsPath = path[..^".age".Length] + RecipientsFile.Extension;
            var recipients = await git.ReadFileAsync(url, rev, recipientsPath, ct);
            result.Add(new SecretsFileInput(environment, path, Sha256(Encoding.UTF8.GetBytes(text)), display,
                recipients is null ? null : new SourceFile($"{project}@{rev[..12]}:{recipientsPath}", recipients)));
        }

        return result.ToImmutable();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
