using System.Collections.Immutable;
using Provider.Nodes.Apply;
using Provider.Nodes.Fleet;
using Provider.Nodes.Processes;
using Provider.Nodes.Sources;
using Provider.Nodes.Ssh;

namespace Provider.Nodes.Engine;

/// <summary>`pull ENV [--commit] [-m MSG]`.</summary>
public sealed record PullRequest(string Environment, bool Commit, string? Message);

/// <summary>A drifted file pull left alone, and why.</summary>
public sealed record PullSkipped(DriftEntry Entry, string Why);

/// <summary>
/// What pull did: the live release's drift, the edits brought into the source (Applied) and the ones left alone, the
/// `git diff` of the change, and the commit (path source with Commit) or the patch file (git source) it wrote.
/// </summary>
public sealed record PullResult(string Environment, string Node, string Release, ImmutableArray<DriftEntry> Drift, ImmutableArray<DriftEntry> Applied,
    ImmutableArray<PullSkipped> Skipped, string Diff, string? Commit, string? PatchFile, string SourceDir);

/// <summary>
/// Brings edits made in place in an environment's live release (drift against its recorded manifest) back into the
/// project: into a path source's git working tree (refused when it has uncommitted changes), or as a patch file for a
/// git source. Never host-local overrides (they are the node's), never files outside the release (secrets, data
/// directories are not in it), never files the source does not have unless they were added (build output stays).
/// </summary>
public static class PullRun
{
    public static async Task<PullResult> RunAsync(FleetAccess fleet, PullRequest request, GitSource git, CancellationToken ct)
    {
        var (user, node, spec) = fleet.Placed(request.Environment);
        var source = spec.Source;
        string root;
        if (source.Path is { } path)
        {
            root = Path.GetFullPath(Path.Combine(fleet.RepoDir, path));
            await RequireCleanGitTreeAsync(root, path, ct);
        }
        else
        {
            root = "";
            if (request.Commit)
            {
                throw new OperationRefusedException($"{user} comes from a git source ({source.Git}); pull writes a patch for it and cannot commit: run it without --commit");
            }
        }

        await using var session = await fleet.ConnectAsync(node, ct);
        var (release, drift) = await ReleaseManifest.ReadDriftAsync(session, user, ct);
        if (release is null)
        {
            throw new OperationRefusedException($"{user} has no release on {node}: nothing to pull");
        }

        if (drift is not { } entries)
        {
            throw new OperationRefusedException($"release {release} of {user} has no recorded manifest (it was made before manifests were recorded), so edits cannot be told from the release; deploy once to record one");
        }

        if (entries.IsEmpty)
        {
            return new PullResult(user, node, release, [], [], [], "", null, null, root);
        }

        var overrides = await OverridePathsAsync(session, user, ct);
        var files = await ReleaseFiles.LoadAsync(fleet.RepoDir, source, git, allowDirty: false, ct);
        var inSource = files.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var applied = ImmutableArray.CreateBuilder<DriftEntry>();
        var skipped = ImmutableArray.CreateBuilder<PullSkipped>();
        foreach (var e in entries)
        {
            if (overrides.Contains(e.Path))
            {
                skipped.Add(new PullSkipped(e, $"a host-local override (/etc/hostenv/overrides/{user}/{e.Path}): it stays on the node"));
            }
            else if (e.Change != '+' && !inSource.Contains(e.Path))
            {
                skipped.Add(new PullSkipped(e, "not in the source (made by the build): deploy rebuilds it"));
            }
            else if (e.Path.Split('/').Any(p => p is ".." or "." or ".git" or ""))
            {
                skipped.Add(new PullSkipped(e, "not a path pull writes"));
            }
            else if (e.Change == '+' && source.Path is not null && await IgnoredAsync(root, e.Path, ct))
            {
                skipped.Add(new PullSkipped(e, "ignored by git in the project"));
            }
            else
            {
                applied.Add(e);
            }
        }

        var content = await ReleaseManifest.ReadFilesAsync(session, user, release, [.. applied.Where(e => e.Change != '-').Select(e => e.Path)], ct);
        var message = request.Message ?? $"Edits made on {node} to {user} (release {release}), brought back by hostenv-provider pull";
        if (source.Path is not null)
        {
            var (diff, commit) = await ApplyToWorkingTreeAsync(root, applied.ToImmutable(), content, request.Commit ? message : null, ct);
            return new PullResult(user, node, release, entries, applied.ToImmutable(), skipped.ToImmutable(), diff, commit, null, root);
        }

        var (patchDiff, patchFile) = await WritePatchAsync(fleet.RepoDir, user, release, files, applied.ToImmutable(), content, ct);
        return new PullResult(user, node, release, entries, applied.ToImmutable(), skipped.ToImmutable(), patchDiff, null, patchFile, "");
    }

    private static async Task RequireCleanGitTreeAsync(string root, string path, CancellationToken ct)
    {
        if (!Directory.Exists(root))
        {
            throw new OperationRefusedException($"source path '{path}' does not exist");
        }

        var inside = await Git(root, ct, "rev-parse", "--is-inside-work-tree");
        if (inside.Stdout.Trim() != "true")
        {
            throw new OperationRefusedException($"'{path}' is not in a git working tree; pull shows and commits its change with git: run `git init` there (or in the provider repo) and commit the project first");
        }

        var status = await Git(root, ct, "status", "--porcelain", "--untracked-files=all", "--", ".");
        if (status.Stdout.Trim().Length > 0)
        {
            var first = status.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(5);
            throw new OperationRefusedException($"'{path}' has uncommitted changes, which pull would mix with the node's edits:\n  {string.Join("\n  ", first)}\n" +
                $"commit or stash them first (`git -C {root} stash -u`), then run pull again");
        }
    }

    private static async Task<HashSet<string>> OverridePathsAsync(SshNodeSession session, string user, CancellationToken ct)
    {
        var r = await session.RunAsync(RemoteCommand.Shell("cd \"$1\" 2>/dev/null || exit 0; find . -type f ! -path ./env", $"/etc/hostenv/overrides/{user}").AsRoot(),
            TimeSpan.FromSeconds(30), ct);
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.StartsWith("./", StringComparison.Ordinal) ? l[2..] : l).ToHashSet(StringComparer.Ordinal);
    }

    private static async Task<bool> IgnoredAsync(string root, string relative, CancellationToken ct) =>
        (await Git(root, ct, "check-ignore", "-q", "--", relative)).ExitCode == 0;

    private static async Task<(string Diff, string? Commit)> ApplyToWorkingTreeAsync(string root, ImmutableArray<DriftEntry> applied,
        ImmutableSortedDictionary<string, byte[]> content, string? commitMessage, CancellationToken ct)
    {
        Write(root, applied, content);
        var added = applied.Where(e => e.Change == '+').Select(e => e.Path).ToList();
        if (added.Count > 0)
        {
            // So `git diff` shows new files too (intent to add: nothing is staged yet).
            await Git(root, ct, ["add", "--intent-to-add", "--", .. added]);
        }

        var diff = (await Git(root, ct, "diff", "--", ".")).Stdout;
        if (commitMessage is null || applied.IsEmpty)
        {
            return (diff, null);
        }

        var paths = applied.Select(e => e.Path).ToList();
        var add = await Git(root, ct, ["add", "-A", "--", .. paths]);
        if (!add.Success)
        {
            throw new OperationRefusedException($"git add failed in {root}: {add.Stderr.Trim()}");
        }

        var commit = await Git(root, ct, ["commit", "-q", "-m", commitMessage, "--", .. paths]);
        if (!commit.Success)
        {
            throw new OperationRefusedException($"git commit failed in {root}: {(commit.Stderr + commit.Stdout).Trim()}\nthe edits are in the working tree; commit them yourself");
        }

        return (diff, (await Git(root, ct, "rev-parse", "HEAD")).Stdout.Trim());
    }

    private static void Write(string root, ImmutableArray<DriftEntry> applied, ImmutableSortedDictionary<string, byte[]> content)
    {
        foreach (var e in applied)
        {
            var full = Path.GetFullPath(Path.Combine(root, e.Path));
            if (!full.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
            {
                continue;
            }

            if (e.Change == '-')
            {
                File.Delete(full);
            }
            else if (content.TryGetValue(e.Path, out var bytes))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full) ?? root);
                File.WriteAllBytes(full, bytes);
            }
        }
    }

    /// <summary>A git source is pinned: the edits become a patch against the locked commit, written beside the provider repo's files.</summary>
    private static async Task<(string Diff, string PatchFile)> WritePatchAsync(string repoDir, string user, string release, ReleaseFiles files,
        ImmutableArray<DriftEntry> applied, ImmutableSortedDictionary<string, byte[]> content, CancellationToken ct)
    {
        var tmp = Directory.CreateTempSubdirectory("hostenv-pull-");
        try
        {
            foreach (var f in files.Files)
            {
                var full = Path.Combine(tmp.FullName, f.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(full) ?? tmp.FullName);
                await using var input = f.Open();
                await using var output = File.Create(full);
                await input.CopyToAsync(output, ct);
            }

            await Git(tmp.FullName, ct, "init", "-q");
            await Git(tmp.FullName, ct, "add", "-A");
            await Git(tmp.FullName, ct, "-c", "user.name=hostenv-provider", "-c", "user.email=pull@hostenv-provider", "commit", "-q", "-m", "locked commit");
            Write(tmp.FullName, applied, content);
            await Git(tmp.FullName, ct, "add", "-A");
            var diff = (await Git(tmp.FullName, ct, "diff", "--cached", "--binary")).Stdout;
            var patch = Path.Combine(repoDir, $"pull-{user}-{release}.patch");
            await File.WriteAllTextAsync(patch, diff, ct);
            return (diff, patch);
        }
        finally
        {
            tmp.Delete(recursive: true);
        }
    }

    private static Task<ProcessResult> Git(string dir, CancellationToken ct, params string[] args) =>
        ProcessRunner.RunAsync("git", ["-C", dir, .. args], timeout: TimeSpan.FromMinutes(2), cancellationToken: ct);
}
