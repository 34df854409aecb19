using System.Collections.Immutable;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Provider.Nodes.Processes;
using Provider.Nodes.Sources;
using Provider.Planning.Plan;

namespace Provider.Nodes.Apply;

/// <summary>One file of a release: where it goes, its mode, its content hash, and where to read it locally.</summary>
public sealed record ReleaseFile(string Path, string Mode, string Sha256, long Size, Func<Stream> Open);

/// <summary>
/// The files of an environment's release at its planned source: a path source's working tree (refused when
/// git reports uncommitted changes there, unless allowed) or a git source's tree at the locked commit.
/// TreeHash identifies the content: same files, same modes, same hash.
/// </summary>
public sealed record ReleaseFiles(ImmutableArray<ReleaseFile> Files, string TreeHash, string Rev, string Origin)
{
    public static async Task<ReleaseFiles> LoadAsync(string repoDir, EnvironmentSource source, GitSource git, bool allowDirty, CancellationToken ct)
    {
        if (source.Git is { } url)
        {
            var rev = source.Rev ?? throw new ReleaseSourceException($"{url} has no locked commit; run `hostenv-provider lock update`");
            var tar = await git.ArchiveAsync(url, rev, ct);
            try
            {
                var files = ReadTar(tar);
                return new ReleaseFiles(files, Tree(files), rev, $"{url}@{rev[..12]}");
            }
            finally
            {
                File.Delete(tar);
            }
        }

        var path = source.Path ?? throw new ReleaseSourceException("the environment's source has neither git nor path");
        var root = System.IO.Path.GetFullPath(System.IO.Path.Combine(repoDir, path));
        if (!Directory.Exists(root))
        {
            throw new ReleaseSourceException($"source path '{path}' does not exist under {repoDir}");
        }

        var inGit = (await ProcessRunner.RunAsync("git", ["-C", root, "rev-parse", "--is-inside-work-tree"], cancellationToken: ct)).Stdout.Trim() == "true";
        ImmutableArray<string> relative;
        var revision = "";
        if (inGit)
        {
            var status = await ProcessRunner.RunAsync("git", ["-C", root, "status", "--porcelain", "--untracked-files=all", "--", "."], cancellationToken: ct);
            if (status.Stdout.Trim().Length > 0 && !allowDirty)
            {
                var first = status.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(5);
                throw new ReleaseSourceException($"'{path}' has uncommitted changes; commit them or pass --allow-dirty:\n  " + string.Join("\n  ", first));
            }

            var list = await ProcessRunner.RunAsync("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."], cancellationToken: ct);
            relative = [.. list.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(f => File.Exists(System.IO.Path.Combine(root, f)))];
            var head = await ProcessRunner.RunAsync("git", ["-C", root, "rev-parse", "HEAD"], cancellationToken: ct);
            revision = head.Success ? head.Stdout.Trim() : "";
        }
        else
        {
            relative = [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Select(f => System.IO.Path.GetRelativePath(root, f).Replace('\\', '/'))
                .Where(f => !f.StartsWith(".git/", StringComparison.Ordinal))];
        }

        var sorted = relative.Order(StringComparer.Ordinal).ToArray();
        var hashes = FileHashCache.Load(git.CacheRoot, root);
        var hashed = new ReleaseFile[sorted.Length];
        // Unchanged files cost a stat (the hash cache); changed ones are read, on every core.
        try
        {
            Parallel.For(0, sorted.Length, new ParallelOptions { CancellationToken = ct }, i =>
            {
                var rel = sorted[i];
                var full = System.IO.Path.Combine(root, rel);
                var info = new FileInfo(full);
                if (info.LinkTarget is not null)
                {
                    throw new ReleaseSourceException($"{path}/{rel} is a symbolic link; releases carry regular files only");
                }

                var mode = (info.UnixFileMode & UnixFileMode.UserExecute) != 0 ? "0755" : "0644";
                hashed[i] = new ReleaseFile(rel, mode, hashes.Sha256(rel, full, info), info.Length, () => File.OpenRead(full));
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Any(e => e is ReleaseSourceException))
        {
            // Name the first symbolic link in path order, whichever thread saw one first: the same message every run.
            var link = sorted.First(rel => new FileInfo(System.IO.Path.Combine(root, rel)).LinkTarget is not null);
            throw new ReleaseSourceException($"{path}/{link} is a symbolic link; releases carry regular files only");
        }

        hashes.Save(sorted);
        ImmutableArray<ReleaseFile> result = [.. hashed];
        var tree = Tree(result);
        return new ReleaseFiles(result, tree, revision.Length > 0 ? revision : "tree-" + tree[..12], $"{path} (working tree)");
    }

    private static ImmutableArray<ReleaseFile> ReadTar(string tar)
    {
        var files = ImmutableArray.CreateBuilder<ReleaseFile>();
        using var stream = File.OpenRead(tar);
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
            {
                continue;
            }

            var bytes = new byte[entry.DataStream.Length];
            entry.DataStream.ReadExactly(bytes);
            var mode = (entry.Mode & UnixFileMode.UserExecute) != 0 ? "0755" : "0644";
            files.Add(new ReleaseFile(entry.Name, mode, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, () => new MemoryStream(bytes, writable: false)));
        }

        return [.. files.OrderBy(f => f.Path, StringComparer.Ordinal)];
    }

    private static string Tree(ImmutableArray<ReleaseFile> files) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(files.Select(f => $"{f.Path}\0{f.Mode}\0{f.Sha256}\n")))));
}

public sealed class ReleaseSourceException(string message) : Exception(message);
