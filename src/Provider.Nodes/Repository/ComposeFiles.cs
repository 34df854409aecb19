using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Provider.Nodes.Sources;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;
using Provider.Planning.Planner;

namespace Provider.Nodes.Repository;

/// <summary>
/// The compose files a project's environments name (app.compose.file), read from the project at the revision its
/// manifest came from, so the pure planner can hash them (and check them) without touching the disk or git.
/// </summary>
internal static class ComposeFiles
{
    /// <summary>The app.compose.file paths of a manifest's environments (only well-formed relative paths), sorted.</summary>
    public static ImmutableArray<string> Named(string projectName, SourceFile? manifest)
    {
        // Most manifests name no compose file: skip the second parse for them.
        if (manifest is null || !manifest.Text.Contains("compose", StringComparison.Ordinal))
        {
            return [];
        }

        // The planner reports the manifest's own mistakes; here only the file names matter.
        var parsed = InputBinder.ReadManifest(projectName, manifest, DeployDefaults.Default, new DiagnosticBag());
        return [.. (parsed?.Environments ?? []).Select(e => e.App?.Compose?.File).OfType<string>()
            .Where(FleetPlanner.IsSafeRelativePath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>Compose files of a path source: relative to the project's directory in the provider repo.</summary>
    public static ImmutableArray<ProjectFileInput> FromDirectory(ProviderRepository repo, string projectPath, SourceFile? manifest, string projectName)
    {
        var result = ImmutableArray.CreateBuilder<ProjectFileInput>();
        foreach (var path in Named(projectName, manifest))
        {
            var relative = $"{projectPath.TrimEnd('/')}/{path}";
            var full = repo.FullPath(relative);
            if (File.Exists(full))
            {
                var bytes = File.ReadAllBytes(full);
                var text = Encoding.UTF8.GetString(bytes);
                repo.Reads?.Add(new InputRead(InputReadKind.File, relative, text));
                result.Add(new ProjectFileInput(path, text, Convert.ToHexStringLower(SHA256.HashData(bytes)), relative));
            }
            else
            {
                repo.Reads?.Add(new InputRead(InputReadKind.File, relative, null));
                result.Add(new ProjectFileInput(path, null, null, relative));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>Compose files of a git source at its locked commit: relative to the repository's root (what a release ships).</summary>
    public static async Task<ImmutableArray<ProjectFileInput>> FromGitAsync(GitSource git, string url, string rev, SourceFile? manifest, string projectName, CancellationToken ct)
    {
        var result = ImmutableArray.CreateBuilder<ProjectFileInput>();
        foreach (var path in Named(projectName, manifest))
        {
            var text = await git.ReadFileAsync(url, rev, path, ct);
            var sha = text is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            result.Add(new ProjectFileInput(path, text, sha, $"{projectName}@{rev[..Math.Min(12, rev.Length)]}:{path}"));
        }

        return result.ToImmutable();
    }
}
