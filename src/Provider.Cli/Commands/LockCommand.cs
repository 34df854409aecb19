using System.Collections.Immutable;
using System.CommandLine;
using Provider.Cli.Output;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;

namespace Provider.Cli.Commands;

public sealed record LockUpdateArguments(string RepoDir, string? Project);

/// <summary>`lock update [PROJECT]`: resolve git project refs to commits and pin them in provider.lock.</summary>
public static class LockCommand
{
    private static readonly Argument<string?> ProjectArgument = new("project")
    {
        Description = "Only this project (default: every git project).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static Command Create(CliConsole console)
    {
        var update = new Command("update", "Pin every git project (or one) to the current commit of its ref.");
        update.Arguments.Add(ProjectArgument);
        update.SetAction((r, ct) => UpdateAsync(new LockUpdateArguments(CommonOptions.RepoDir(r), r.GetValue(ProjectArgument)), console, ct));
        var command = new Command("lock", "Manage provider.lock, the pins of git project sources.");
        command.Subcommands.Add(update);
        return command;
    }

    public static async Task<int> UpdateAsync(LockUpdateArguments args, CliConsole console, CancellationToken ct)
    {
        var repo = new ProviderRepository(args.RepoDir);
        using var repoLock = RepoLocking.Acquire(repo, "lock update", console);
        var diagnostics = new DiagnosticBag();
        var providerFile = repo.ReadText(ProviderRepository.ProviderFile)
            ?? throw new UserException($"no {ProviderRepository.ProviderFile} in {repo.Root}; run in the provider repo or pass --dir");
        var config = InputBinder.ReadProvider(providerFile, diagnostics);
        var current = ProviderLock.Read(repo.ReadText(ProviderLock.FileName), diagnostics);
        if (config is null || diagnostics.HasErrors)
        {
            DiagnosticPrinter.Print(console, diagnostics.Sorted());
            return ExitCodes.Error;
        }

        var gitProjects = config.Projects.Where(p => p.Git is not null).ToList();
        if (args.Project is { } only && !gitProjects.Any(p => p.Name == only))
        {
            var known = gitProjects.Select(p => p.Name).ToList();
            throw new UserException(config.Projects.Any(p => p.Name == only)
                ? $"project '{only}' is a path source; only git sources are locked"
                : $"no git project '{only}' in provider.yaml" + (known.Count == 0 ? "" : "; git projects: " + string.Join(", ", known)));
        }

        var git = new GitSource(GitSource.DefaultCacheRoot());
        var entries = current.Projects.Where(e => gitProjects.Any(p => p.Name == e.Key)).ToImmutableSortedDictionary(StringComparer.Ordinal).ToBuilder();
        var failed = false;
        foreach (var project in gitProjects.Where(p => args.Project is null || p.Name == args.Project))
        {
            var url = project.Git ?? "";
            var @ref = project.Ref ?? "HEAD";
            try
            {
                var rev = await git.ResolveAsync(url, @ref, ct);
                var manifestPath = ProviderRepository.ManifestPath(project.Dir);
                var manifest = await git.ReadFileAsync(url, rev, manifestPath, ct)
                    ?? throw new GitSourceException($"{manifestPath} does not exist at {rev[..12]}");
                var entry = new LockEntry(url, @ref, project.Dir, rev, ProviderRepository.Sha256(manifest));
                var old = entries.GetValueOrDefault(project.Name);
                entries[project.Name] = entry;
                console.Error.WriteLine(old is null ? $"  + {project.Name}: {@ref} → {rev[..12]}"
                    : old.Rev == rev && old == entry ? $"    {project.Name}: {@ref} at {rev[..12]} (unchanged)"
                    : $"  ~ {project.Name}: {@ref} {old.Rev[..12]} → {rev[..12]}");
            }
            catch (GitSourceException ex)
            {
                console.Error.WriteLine($"error HP1013 [projects.{project.Name}]: {ex.Message}");
                console.Error.WriteLine("  hint: check the URL, the ref and your access to the repository");
                failed = true;
            }
        }

        if (failed)
        {
            console.Error.WriteLine("provider.lock was not changed.");
            return ExitCodes.Error;
        }

        var updated = new ProviderLock(entries.ToImmutable());
        var wrote = AtomicFile.WriteIfChanged(repo.FullPath(ProviderLock.FileName), updated.Write());
        console.Error.WriteLine(wrote ? "Wrote provider.lock; run `hostenv-provider plan` to use the new pins." : "provider.lock is up to date.");
        return ExitCodes.Success;
    }
}
