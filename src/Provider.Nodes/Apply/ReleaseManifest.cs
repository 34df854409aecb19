using System.Collections.Immutable;
using System.Formats.Tar;
using System.Reflection;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Planner;

namespace Provider.Nodes.Apply;

/// <summary>One difference between a release's recorded manifest and its live tree: '+' added, '-' removed, '~' changed.</summary>
public sealed record DriftEntry(char Change, string Path)
{
    public override string ToString() => $"{Change} {Path}";

    /// <summary>A line of release_drift ("+ path"); null for anything else.</summary>
    public static DriftEntry? Parse(string line) =>
        line.Length > 2 && line[0] is '+' or '-' or '~' && line[1] == ' ' ? new DriftEntry(line[0], line[2..]) : null;
}

/// <summary>
/// The manifest of each release (Remote/release-manifest.sh), recorded on the node when the release is built, in the
/// environment's root-only state directory, so status, diagnose and pull can tell an edit made in place (drift).
/// </summary>
public static class ReleaseManifest
{
    /// <summary>The POSIX sh functions release_manifest and release_drift; prepended to every script that uses them.</summary>
    public static string Functions { get; } = RemoteScripts.Body("release-manifest.sh");

    public static string Dir(string user) => $"{EnvironmentStage.EnvDir(user)}/manifests";

    /// <summary>$1 env state dir, $2 release dir, $3 release id, $4 releases dir: writes the manifest, forgets those of deleted releases.</summary>
    public static string RecordScript { get; } = Functions + "\n" + RemoteScripts.Body("release-record.sh");


    /// <summary>$1 env state dir, $2 home: the live release's drift lines (release_drift), after a "release NAME" line.</summary>
    public static string DriftScript { get; } = Functions + "\n" + RemoteScripts.Body("release-drift.sh");


    /// <summary>
    /// Records the manifest of a release just built (before anything can serve it). <paramref name="known"/>: the manifest
    /// the deployer computed from the files it assembled (see <see cref="Of"/>), when nothing else wrote into the release;
    /// without it the node hashes every file (a build or host-local overrides changed the tree). With
    /// <paramref name="fingerprint"/>, the same trip then marks the release built (id and fingerprint in the env state dir).
    /// </summary>
    public static async Task RecordAsync(SshNodeSession session, string user, string releaseId, CancellationToken ct, string? known = null, string? fingerprint = null)
    {
        var releases = $"{HostenvPaths.Home(user)}/releases";
        var r = await session.RunAsync(RemoteCommand.Shell(RecordScript, EnvironmentStage.EnvDir(user), $"{releases}/{releaseId}", releaseId, releases, known is null ? "hash" : "stdin", fingerprint ?? "").AsRoot(),
            TimeSpan.FromMinutes(5), known, ct);
        if (!r.Success)
        {
            throw new DeployStepException("manifest", (r.Stderr + r.Stdout).Trim());
        }
    }

    /// <summary>
    /// What release_manifest prints for a release assembled from exactly these files (shared directories replace what
    /// the source has at their paths): `sha256sum` lines for "./path", sorted by the path's bytes as `LC_ALL=C sort`
    /// does. Null when a path needs sha256sum's escaping (a backslash): then the node hashes the tree itself.
    /// </summary>
    public static string? Of(IEnumerable<ReleaseFile> files, IEnumerable<string> sharedDirs)
    {
        var shared = sharedDirs.Select(d => d.Trim('/')).ToArray();
        var kept = files.Where(f => !shared.Any(d => f.Path == d || f.Path.StartsWith(d + "/", StringComparison.Ordinal))).ToList();
        if (kept.Any(f => f.Path.Contains('\\', StringComparison.Ordinal)))
        {
            return null;
        }

        var lines = kept.Select(f => (Key: System.Text.Encoding.UTF8.GetBytes("./" + f.Path), Line: $"{f.Sha256}  ./{f.Path}\n")).ToList();
        lines.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        return string.Concat(lines.Select(l => l.Line));
    }

    /// <summary>The live release of an environment and how its tree differs from its manifest (null release: nothing deployed; null drift: no manifest).</summary>
    public static async Task<(string? Release, ImmutableArray<DriftEntry>? Drift)> ReadDriftAsync(SshNodeSession session, string user, CancellationToken ct)
    {
        var r = await session.RunAsync(RemoteCommand.Shell(DriftScript, EnvironmentStage.EnvDir(user), HostenvPaths.Home(user)).AsRoot(), TimeSpan.FromMinutes(5), ct);
        if (!r.Success)
        {
            throw new DeployStepException("drift", (r.Stderr + r.Stdout).Trim());
        }

        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var release = lines.FirstOrDefault(l => l.StartsWith("release ", StringComparison.Ordinal))?[8..];
        if (release is null)
        {
            return (null, null);
        }

        return lines.Any(l => l.StartsWith("? ", StringComparison.Ordinal)) ? (release, null) : (release, [.. lines.Select(DriftEntry.Parse).OfType<DriftEntry>()]);
    }

    /// <summary>Regular files of a release as they are on the node now (path → bytes); the paths come from the drift lines.</summary>
    public static async Task<ImmutableSortedDictionary<string, byte[]>> ReadFilesAsync(SshNodeSession session, string user, string release, IReadOnlyList<string> paths,
        CancellationToken ct)
    {
        if (paths.Count == 0)
        {
            return ImmutableSortedDictionary<string, byte[]>.Empty.WithComparers(StringComparer.Ordinal);
        }

        // NUL-separated names on stdin (never on the command line); the tar comes back base64 on stdout.
        var r = await session.RunAsync(RemoteCommand.Shell("cd \"$1\" && tar -cf - --null --no-recursion -T - | base64 -w 0",
            $"{HostenvPaths.Home(user)}/releases/{release}").AsRoot(), TimeSpan.FromMinutes(5), string.Concat(paths.Select(p => p + "\0")), ct);
        if (!r.Success)
        {
            throw new DeployStepException("read files", (r.Stderr + r.Stdout).Trim());
        }

        var files = ImmutableSortedDictionary.CreateBuilder<string, byte[]>(StringComparer.Ordinal);
        using var tar = new TarReader(new MemoryStream(Convert.FromBase64String(r.Stdout.Trim())));
        while (tar.GetNextEntry(copyData: true) is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
            {
                using var buffer = new MemoryStream();
                data.CopyTo(buffer);
                files[entry.Name] = buffer.ToArray();
            }
        }

        return files.ToImmutable();
    }
}
