using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Provider.Nodes.Move;

/// <summary>
/// One entry of an environment's data as move-manifest.sh reports it. Paths are kept as Latin-1 text so every byte of
/// a file name survives the round trip (a name need not be UTF-8); <see cref="DataManifest.Display"/> shows them.
/// </summary>
public sealed record DataEntry(char Type, string Mode, int Uid, int Gid, string MTime, long Size, string Path, string Link)
{
    /// <summary>sha256 of a regular file's bytes, when the manifest was hashed.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Whether both sides agree on everything a move preserves (a directory's size is the filesystem's business).</summary>
    public bool SameAs(DataEntry other, bool hashes) =>
        Type == other.Type && Mode == other.Mode && Uid == other.Uid && Gid == other.Gid && MTime == other.MTime && Link == other.Link
        && (Type == 'd' || Size == other.Size)
        && (!hashes || Type != 'f' || (Sha256 is not null && Sha256 == other.Sha256));
}

/// <summary>What one side of a move holds under the environment's data paths (move-manifest.sh), and the differences between two sides.</summary>
public sealed record DataManifest(ImmutableSortedDictionary<string, DataEntry> Entries, bool Hashed)
{
    public static DataManifest Empty { get; } = new(ImmutableSortedDictionary.Create<string, DataEntry>(StringComparer.Ordinal), false);

    public int Files => Entries.Values.Count(e => e.Type == 'f');

    public long Bytes => Entries.Values.Where(e => e.Type == 'f').Sum(e => e.Size);

    /// <summary>Parses move-manifest.sh's output: NUL-separated records, then optionally the hashes.</summary>
    public static DataManifest Parse(byte[] output)
    {
        var fields = Encoding.Latin1.GetString(output).Split('\0');
        var entries = new Dictionary<string, DataEntry>(StringComparer.Ordinal);
        var i = 0;
        for (; i + 2 < fields.Length && fields[i] != "--sha256--"; i += 3)
        {
            var meta = fields[i].Split(' ');
            if (meta.Length != 6 || meta[0].Length != 1)
            {
                throw new FormatException($"unexpected manifest record '{fields[i]}'");
            }

            var path = Relative(fields[i + 1]);
            entries[path] = new DataEntry(meta[0][0], meta[1], int.Parse(meta[2], CultureInfo.InvariantCulture), int.Parse(meta[3], CultureInfo.InvariantCulture),
                meta[4], long.Parse(meta[5], CultureInfo.InvariantCulture), path, fields[i + 2]);
        }

        var hashed = i < fields.Length && fields[i] == "--sha256--";
        for (i++; hashed && i < fields.Length; i++)
        {
            var line = fields[i];
            if (line.Length < 67 || line[64] != ' ' || line[65] != ' ')
            {
                continue; // the empty field after the final NUL
            }

            var path = Relative(line[66..]);
            if (entries.TryGetValue(path, out var entry))
            {
                entries[path] = entry with { Sha256 = line[..64] };
            }
        }

        return new DataManifest(entries.ToImmutableSortedDictionary(StringComparer.Ordinal), hashed);
    }

    private static string Relative(string path) => path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path;

    /// <summary>
    /// What must travel so that <paramref name="to"/> becomes <paramref name="from"/>: entries to send (new or different,
    /// in path order so a directory comes before its contents) and entries to remove first (gone, or of another type).
    /// </summary>
    public static (ImmutableArray<string> Send, ImmutableArray<string> Remove) Diff(DataManifest from, DataManifest to)
    {
        var hashes = from.Hashed && to.Hashed;
        var send = ImmutableArray.CreateBuilder<string>();
        var remove = ImmutableArray.CreateBuilder<string>();
        foreach (var (path, entry) in from.Entries)
        {
            if (!to.Entries.TryGetValue(path, out var have))
            {
                send.Add(path);
            }
            else if (!entry.SameAs(have, hashes))
            {
                if (have.Type != entry.Type || entry.Type == 'l')
                {
                    remove.Add(path); // tar would not replace a directory by a file, nor always a link in place
                }

                send.Add(path);
            }
        }

        remove.AddRange(to.Entries.Keys.Where(p => !from.Entries.ContainsKey(p)));
        return (send.ToImmutable(), remove.ToImmutable());
    }

    /// <summary>Entries that differ between two hashed manifests (the verification after the final copy); empty when they match.</summary>
    public static ImmutableArray<string> Mismatches(DataManifest expected, DataManifest actual)
    {
        var list = ImmutableArray.CreateBuilder<string>();
        foreach (var (path, entry) in expected.Entries)
        {
            if (!actual.Entries.TryGetValue(path, out var have))
            {
                list.Add($"missing {Display(path)}");
            }
            else if (!entry.SameAs(have, hashes: true))
            {
                list.Add(entry.Type == 'f' && entry.Sha256 != have.Sha256 ? $"sha256 differs: {Display(path)}" : $"owner, mode, time or type differs: {Display(path)}");
            }
        }

        list.AddRange(actual.Entries.Keys.Where(p => !expected.Entries.ContainsKey(p)).Select(p => $"not on the old node: {Display(p)}"));
        return list.ToImmutable();
    }

    /// <summary>A path as a person reads it (its bytes as UTF-8).</summary>
    public static string Display(string path) => Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(path)).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A list of paths as move-send.sh/move-delete.sh read it on stdin: each path's bytes, NUL-terminated.</summary>
    public static byte[] NulList(IEnumerable<string> paths) => Encoding.Latin1.GetBytes(string.Concat(paths.Select(p => p + "\0")));

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.00} GiB"),
    };
}
