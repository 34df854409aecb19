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
/// The operator's provider repo on disk: reads what the pure planner needs and writes what it produced.
/// Every name handed to the planner is repo-relative with '/' separators, so no machine path reaches output.
/// </summary>
public sealed class ProviderRepository
{
    public const string ProviderFile = "provider.yaml";
    public const string PlanFile = "generated/plan.json";
    public const string StateFile = "generated/state.json";
    public const string ManifestFile = "hostenv.yaml";

    public ProviderRepository(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }

    /// <summary>When set, every input read is noted here (path and text, or missing): the stale check's cache key.</summary>
    internal List<InputRead>? Reads { get; set; }

    public string FullPath(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Reads every input. Problems reading files become diagnostics, never exceptions.</summary>
    public async Task<(PlanInput? Input, ImmutableArray<Diagnostic> Diagnostics)> LoadPlanInputAsync(GitSource git, CancellationToken ct)
    {
        var diagnostics = new DiagnosticBag();
        var provider = ReadText(ProviderFile);
        if (provider is null)
        {
            diagnostics.Add(new Diagnostic(
                ManifestCodes.MissingFile, DiagnosticLevel.Error, $"no {ProviderFile} in {Root}",
                new SourcePosition(ProviderFile, 0, 0),
                Hint: "run in the provider repo, or pass --dir DIR"));
            return (null, diagnostics.Items.ToImmutableArray());
        }

        var nodes = ReadNodes();
        var lockFile = ProviderLock.Read(ReadText(ProviderLock.FileName), diagnostics);
        var projects = await ReadProjectsAsync(provider, lockFile, git, ct);
        var state = ReadText(StateFile);
        return (new PlanInput(provider, nodes, projects, state, ReadText(PlanFile)), diagnostics.Items.ToImmutableArray());
    }

    /// <summary>
    /// The `notify:` webhooks of provider.yaml for `serve`, read and checked as `plan` does. Targets is null when the
    /// file is missing or invalid; Diagnostics then says why (file:line:column).
    /// </summary>
    public (ImmutableArray<NotifyTarget>? Targets, ImmutableArray<Diagnostic> Diagnostics) ReadNotifyTargets()
    {
        var diagnostics = new DiagnosticBag();
        if (ReadText(ProviderFile) is not { } provider)
        {
            diagnostics.Add(new Diagnostic(
                ManifestCodes.MissingFile, DiagnosticLevel.Error, $"no {ProviderFile} in {Root}",
                new SourcePosition(ProviderFile, 0, 0), Hint: "run in the provider repo, or pass --dir DIR"));
            return (null, [.. diagnostics.Items]);
        }

        var targets = NotifyReader.Read(provider, diagnostics);
        return (targets, [.. diagnostics.Items]);
    }

    public SourceFile? ReadText(string relative)
    {
        var full = FullPath(relative);
        var file = File.Exists(full) ? new SourceFile(relative, File.ReadAllText(full, Encoding.UTF8)) : null;
        Reads?.Add(new InputRead(InputReadKind.File, relative, file?.Text));
        return file;
    }

    public static string ManifestPath(string dir) => $"{dir.Trim('/')}/{ManifestFile}";

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private ImmutableArray<NodeInput> ReadNodes()
    {
        if (ListNodeDirectories() is not { } names)
        {
            Reads?.Add(new InputRead(InputReadKind.Listing, "nodes", null));
            return [];
        }

        Reads?.Add(new InputRead(InputReadKind.Listing, "nodes", string.Join('\n', names)));

        var result = ImmutableArray.CreateBuilder<NodeInput>();
        foreach (var name in names)
        {
            if (ReadText($"nodes/{name}/node.yaml") is { } file)
            {
                result.Add(new NodeInput(name, file));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>The directories under nodes/, sorted; null when there is no nodes/ directory.</summary>
    internal ImmutableArray<string>? ListNodeDirectories()
    {
        var dir = FullPath("nodes");
        return Directory.Exists(dir) ? [.. Directory.GetDirectories(dir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)] : null;
    }

    private async Task<ImmutableArray<ProjectInput>> ReadProjectsAsync(SourceFile provider, ProviderLock lockFile, GitSource git, CancellationToken ct)
    {
        // The planner reports provider.yaml's own mistakes; here we only need the project list.
        var config = InputBinder.ReadProvider(provider, new DiagnosticBag());
        if (config is null)
        {
            return [];
        }

        var result = ImmutableArray.CreateBuilder<ProjectInput>();
        foreach (var project in config.Projects)
        {
            if (project.Path is { } path && project.Git is null && FleetPlanner.IsSafeRelativePath(path) && FleetPlanner.IsSafeRelativePath(project.Dir))
            {
                var relative = $"{path.TrimEnd('/')}/{ManifestPath(project.Dir)}";
                var manifest = ReadText(relative);
                result.Add(new ProjectInput(project.Name, manifest, null,
                    new MissingManifest($"project '{project.Name}' has no manifest at {relative}", $"create {relative}, or fix 'path'/'dir' of the project"))
                {
                    SecretFiles = Secrets.EncryptedSecretsFiles.FromDirectory(FullPath(path), project.Dir, path),
                    ComposeFiles = ComposeFiles.FromDirectory(this, path, manifest, project.Name),
                });
            }
            else if (project.Git is { } url && project.Path is null && FleetPlanner.IsSafeRelativePath(project.Dir))
            {
                var read = await ReadGitProjectAsync(project, url, lockFile, git, ct);
                // A commit's content never changes: the URL, commit and what came back identify this read.
                Reads?.Add(new InputRead(InputReadKind.Git, $"{url}\n{read.Rev}\n{project.Dir}", read.Manifest?.Text));
                result.Add(read);
            }
        }

        return result.ToImmutable();
    }

    /// <summary>A git project is read only at its locked commit; plan never moves a pin.</summary>
    private static async Task<ProjectInput> ReadGitProjectAsync(ProjectSource project, string url, ProviderLock lockFile, GitSource git, CancellationToken ct)
    {
        var update = $"run `hostenv-provider lock update {project.Name}` to pin it";
        if (!lockFile.Projects.TryGetValue(project.Name, out var entry))
        {
            return new ProjectInput(project.Name, null, null, new MissingManifest(
                $"project '{project.Name}' is a git source and has no entry in provider.lock", update));
        }

        var @ref = project.Ref ?? "HEAD";
        if (entry.Git != url || entry.Ref != @ref || entry.Dir != project.Dir)
        {
            return new ProjectInput(project.Name, null, null, new MissingManifest(
                $"provider.lock pins '{project.Name}' to {entry.Git} {entry.Ref} ({entry.Dir}) but provider.yaml says {url} {@ref} ({project.Dir})",
                update, ManifestCodes.LockStale));
        }

        var manifestPath = ManifestPath(project.Dir);
        string? text;
        try
        {
            text = await git.ReadFileAsync(url, entry.Rev, manifestPath, ct);
        }
        catch (GitSourceException ex)
        {
            return new ProjectInput(project.Name, null, entry.Rev, new MissingManifest(
                $"project '{project.Name}': {ex.Message}", $"check the URL and your access; if the commit is gone, {update} again", ManifestCodes.SourceUnavailable));
        }

        if (text is null)
        {
            return new ProjectInput(project.Name, null, entry.Rev, new MissingManifest(
                $"project '{project.Name}' has no {manifestPath} at commit {entry.Rev[..12]}", $"add it to the project, or fix 'dir'; then {update}"));
        }

        if (Sha256(text) != entry.ManifestSha256)
        {
            return new ProjectInput(project.Name, null, entry.Rev, new MissingManifest(
                $"project '{project.Name}': {manifestPath} at {entry.Rev[..12]} does not match the hash in provider.lock",
                "the cache or the lock was altered; delete the cache directory or " + update, ManifestCodes.ManifestHashMismatch));
        }

        var file = new SourceFile($"{project.Name}@{entry.Rev[..12]}:{manifestPath}", text);
        return new ProjectInput(project.Name, file, entry.Rev)
        {
            SecretFiles = await Secrets.EncryptedSecretsFiles.FromGitAsync(git, url, entry.Rev, project.Dir, project.Name, ct),
            ComposeFiles = await ComposeFiles.FromGitAsync(git, url, entry.Rev, file, project.Name, ct),
        };
    }

    /// <summary>Writes plan and state, each atomically. Returns the files whose bytes changed.</summary>
    public ImmutableArray<string> WritePlan(byte[] plan, byte[] state)
    {
        var changed = ImmutableArray.CreateBuilder<string>();
        if (AtomicFile.WriteIfChanged(FullPath(StateFile), state))
        {
            changed.Add(StateFile);
        }

        if (AtomicFile.WriteIfChanged(FullPath(PlanFile), plan))
        {
            changed.Add(PlanFile);
        }

        return changed.ToImmutable();
    }
}
