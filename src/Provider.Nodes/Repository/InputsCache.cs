using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provider.Nodes.Repository;

internal enum InputReadKind
{
    File,
    Listing,
    Git,
}

/// <summary>One thing the input loader read: a repo file, the nodes/ listing, or a manifest at a git commit. Text null: missing.</summary>
internal sealed record InputRead(InputReadKind Kind, string Key, string? Text);

/// <summary>
/// The stale check without re-planning (deploy asks it every run): when a full re-plan gave the plan's inputsHash, the
/// exact inputs it read are remembered by content digest. Next time the same files are read again (bytes only, no YAML,
/// no planning); when every digest matches and the planner is the same build, re-planning would give the same hash,
/// because the planner is pure. Anything else (an edited file, a new node directory, another tool build, a damaged
/// cache file) is a miss and the full check runs. Manifests read at a locked git commit are keyed by URL, commit and
/// directory, which only provider.yaml and provider.lock (both read files) can change.
/// </summary>
internal static class InputsCache
{
    private const int Format = 1;

    /// <summary>The inputsHash a re-plan of these inputs gives, when they are unchanged since it was stored; else null.</summary>
    public static string? TryInputsHash(ProviderRepository repo, string cacheRoot)
    {
        Entry? entry;
        try
        {
            entry = JsonSerializer.Deserialize(File.ReadAllBytes(FileFor(repo, cacheRoot)), InputsCacheJson.Default.Entry);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }

        if (entry is not { Format: Format } || entry.Tool != ToolIdentity || entry.Reads is not { Length: > 0 } reads)
        {
            return null;
        }

        var current = new List<(InputReadKind, string, string)>(reads.Length);
        foreach (var read in reads)
        {
            var digest = read.Kind switch
            {
                InputReadKind.File => Digest(repo.ReadText(read.Key)?.Text),
                InputReadKind.Listing => Digest(repo.ListNodeDirectories() is { } names ? string.Join('\n', names) : null),
                _ => read.Digest, // content at a commit is immutable; its key is covered by the files above
            };
            current.Add((read.Kind, read.Key, digest));
        }

        return Fingerprint(current) == entry.Fingerprint ? entry.InputsHash : null;
    }

    /// <summary>Remembers that re-planning exactly these reads gave <paramref name="inputsHash"/>. Best effort.</summary>
    public static void Store(ProviderRepository repo, string cacheRoot, IReadOnlyList<InputRead> reads, string inputsHash)
    {
        var digests = reads.Select(r => (r.Kind, r.Key, Digest(r.Text))).ToList();
        var entry = new Entry(Format, ToolIdentity, Fingerprint(digests), inputsHash,
            [.. digests.Select(d => new EntryRead(d.Kind, d.Key, d.Item3))]);
        try
        {
            var file = FileFor(repo, cacheRoot);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            AtomicFile.WriteIfChanged(file, JsonSerializer.SerializeToUtf8Bytes(entry, InputsCacheJson.Default.Entry));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A cache that cannot be written only costs the next run a full re-plan.
        }
    }

    /// <summary>The planner's build: another build may plan the same inputs differently.</summary>
    private static readonly string ToolIdentity =
        $"{typeof(Planning.Planner.FleetPlanner).Assembly.ManifestModule.ModuleVersionId:N}/{typeof(InputsCache).Assembly.ManifestModule.ModuleVersionId:N}";

    private static string FileFor(ProviderRepository repo, string cacheRoot) =>
        Path.Combine(cacheRoot, "inputs", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(repo.Root)))[..24] + ".json");

    private static string Digest(string? text) => text is null ? "missing" : ProviderRepository.Sha256(text);

    private static string Fingerprint(IEnumerable<(InputReadKind Kind, string Key, string Digest)> reads)
    {
        var text = new StringBuilder(ToolIdentity).Append('\n');
        foreach (var (kind, key, digest) in reads)
        {
            text.Append((int)kind).Append('\0').Append(key).Append('\0').Append(digest).Append('\n');
        }

        return ProviderRepository.Sha256(text.ToString());
    }

    internal sealed record Entry(int Format, string Tool, string Fingerprint, string InputsHash, ImmutableArray<EntryRead> Reads);

    internal sealed record EntryRead(InputReadKind Kind, string Key, string Digest);
}

[JsonSerializable(typeof(InputsCache.Entry))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class InputsCacheJson : JsonSerializerContext;
