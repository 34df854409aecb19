using System.Collections.Immutable;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;

namespace Provider.Nodes.Engine;

/// <summary>One git project's pin after `lock update`: its ref, the commit before (null: new) and now, or why it failed.</summary>
public sealed record LockChange(string Project, string Ref, string? OldRev, string? NewRev, bool Unchanged, string? Error)
{
    /// <summary>The line the CLI prints for it (and a push job's progress shows).</summary>
    public string Describe() =>
        Error is not null ? $"error HP1013 [projects.{Project}]: {Error}"
        : OldRev is null ? $"  + {Project}: {Ref} → {Short(NewRev)}"
        : Unchanged ? $"    {Project}: {Ref} at {Short(NewRev)} (unchanged)"
        : $"  ~ {Project}: {Ref} {Short(OldRev)} → {Short(NewRev)}";

    private static string Short(string? rev) => rev is null ? "" : rev[..Math.Min(12, rev.Length)];
}

/// <summary>
/// `lock update` as data: the per-project changes, and whether provider.lock was written. Diagnostics non-empty with
/// errors: provider.yaml or provider.lock could not be read (nothing resolved). Any failed project: nothing written.
/// </summary>
public sealed record LockUpdateResult(ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<LockChange> Changes, bool Wrote)
{
    public bool Failed => Diagnostics.Any(d => d.IsError) || Changes.Any(c => c.Error is not null);
}

/// <summary>
/// `lock update [PROJECT]` (DESIGN §3): resolves every git project's ref (or one project's) to a commit, checks its
/// manifest exists there, and pins it in provider.lock (atomically, only when every project resolved). The caller
/// holds the repo lock.
/// </summary>
public sealed class LockUpdateRun(string repoDir, GitSource git)
{
    public async Task<LockUpdateResult> RunAsync(string? onlyProject, CancellationToken ct)
    {
        var repo = new ProviderRepository(repoDir);
        var diagnostics = new DiagnosticBag();
        var providerFile = repo.ReadText(ProviderRepository.ProviderFile)
            ?? throw new OperationRefusedException($"no {ProviderRepository.ProviderFile} in {repo.Root}; run in the provider repo or pass --dir");
        var config = InputBinder.ReadProvider(providerFile, diagnostics);
        var current = ProviderLock.Read(repo.ReadText(ProviderLock.FileName), diagnostics);
        if (config is null || diagnostics.HasErrors)
        {
            return new LockUpdateResult([.. diagnostics.Sorted()], [], false);
        }

        var gitProjects = config.Projects.Where(p => p.Git is not null).ToList();
        if (onlyProject is { } only && !gitProjects.Any(p => p.Name == only))
        {
            var known = gitProjects.Select(p => p.Name).ToList();
            throw new OperationRefusedException(config.Projects.Any(p => p.Name == only)
                ? $"project '{only}' is a path source; only git sources are locked"
                : $"no git project '{only}' in provider.yaml" + (known.Count == 0 ? "" : "; git projects: " + string.Join(", ", known)));
        }

        var entries = current.Projects.Where(e => gitProjects.Any(p => p.Name == e.Key)).ToImmutableSortedDictionary(StringComparer.Ordinal).ToBuilder();
        var changes = ImmutableArray.CreateBuilder<LockChange>();
        foreach (var project in gitProjects.Where(p => onlyProject is null || p.Name == onlyProject))
        {
            var url = project.Git ?? "";
            var @ref = project.Ref ?? "HEAD";
            var old = entries.GetValueOrDefault(project.Name);
            try
            {
                var rev = await git.ResolveAsync(url, @ref, ct);
                var manifestPath = ProviderRepository.ManifestPath(project.Dir);
                var manifest = await git.ReadFileAsync(url, rev, manifestPath, ct)
                    ?? throw new GitSourceException($"{manifestPath} does not exist at {rev[..12]}");
                var entry = new LockEntry(url, @ref, project.Dir, rev, ProviderRepository.Sha256(manifest));
                entries[project.Name] = entry;
                changes.Add(new LockChange(project.Name, @ref, old?.Rev, rev, old == entry, null));
            }
            catch (GitSourceException ex)
            {
                changes.Add(new LockChange(project.Name, @ref, old?.Rev, null, false, ex.Message));
            }
        }

        if (changes.Any(c => c.Error is not null))
        {
            return new LockUpdateResult([], changes.ToImmutable(), false);
        }

        var wrote = AtomicFile.WriteIfChanged(repo.FullPath(ProviderLock.FileName), new ProviderLock(entries.ToImmutable()).Write());
        return new LockUpdateResult([], changes.ToImmutable(), wrote);
    }
}
