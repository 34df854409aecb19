using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provider.Nodes.Sources;

/// <summary>
/// SHA-256 of a working tree's files, remembered by path, size and modification time (rsync's quick check, as git's
/// index does), so an unchanged 5,000-file release is not read again on every deploy. A file modified within
/// <see cref="RacyWindow"/> of being hashed is never remembered (an edit in the same clock tick could keep size and
/// mtime), and a damaged or unreadable cache is a miss: correctness never depends on it.
/// </summary>
public sealed class FileHashCache
{
    private static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);
    private readonly string? file;
    private readonly ConcurrentDictionary<string, Entry> entries;
    private volatile bool changed;

    private FileHashCache(string? file, ConcurrentDictionary<string, Entry> entries)
    {
        this.file = file;
        this.entries = entries;
    }

    /// <summary>The cache of one source directory (null cacheRoot: remember nothing).</summary>
    public static FileHashCache Load(string? cacheRoot, string sourceRoot)
    {
        if (cacheRoot is null)
        {
            return new FileHashCache(null, new(StringComparer.Ordinal));
        }

        var path = Path.Combine(cacheRoot, "hashes", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sourceRoot)))[..24] + ".json");
        try
        {
            var stored = JsonSerializer.Deserialize(File.ReadAllBytes(path), FileHashCacheJson.Default.DictionaryStringEntry);
            if (stored is not null)
            {
                return new FileHashCache(path, new(stored, StringComparer.Ordinal));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            // a miss
        }

        return new FileHashCache(path, new(StringComparer.Ordinal));
    }

    /// <summary>The file's SHA-256 (lower-case hex), from the cache when size and mtime are what was hashed.</summary>
    public string Sha256(string relative, string fullPath, FileInfo info)
    {
        var size = info.Length;
        var mtime = info.LastWriteTimeUtc.Ticks;
        if (entries.TryGetValue(relative, out var known) && known.Size == size && known.MtimeTicks == mtime)
        {
            return known.Sha256;
        }

        string sha;
        using (var stream = File.OpenRead(fullPath))
        {
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        if (DateTime.UtcNow - new DateTime(mtime, DateTimeKind.Utc) > RacyWindow)
        {
            entries[relative] = new Entry(size, mtime, sha);
            changed = true;
        }

        return sha;
    }

    /// <summary>Writes the cache when it learnt something; keeps only the given paths (files gone from the tree are dropped).</summary>
    public void Save(IReadOnlyCollection<string> present)
    {
        if (file is null)
        {
            return;
        }

        var keep = new HashSet<string>(present, StringComparer.Ordinal);
        foreach (var gone in entries.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            entries.TryRemove(gone, out _);
            changed = true;
        }

        if (!changed)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var sorted = new SortedDictionary<string, Entry>(entries, StringComparer.Ordinal);
            Repository.AtomicFile.WriteIfChanged(file, JsonSerializer.SerializeToUtf8Bytes(sorted, FileHashCacheJson.Default.SortedDictionaryStringEntry));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not remembering only costs the next run the hashing.
        }
    }

    public sealed record Entry(long Size, long MtimeTicks, string Sha256);
}

[JsonSerializable(typeof(Dictionary<string, FileHashCache.Entry>))]
[JsonSerializable(typeof(SortedDictionary<string, FileHashCache.Entry>))]
internal sealed partial class FileHashCacheJson : JsonSerializerContext;
