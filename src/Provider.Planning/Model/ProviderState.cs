using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Provider.Planning.Model;

/// <summary>One reservation in state.json, in hostenv's shape; previousNode is an extra field hostenv's readers ignore.</summary>
public sealed record StateEntry(string UserName, int Uid, string Node, ImmutableArray<string> VirtualHosts, string? PreviousNode = null);

/// <summary>
/// generated/state.json: reservations by userName, plus tool metadata under "_" keys that hostenv's
/// readers skip. Unknown "_" keys are carried through untouched.
/// </summary>
public sealed record ProviderState(
    ImmutableSortedDictionary<string, StateEntry> Entries,
    ImmutableSortedDictionary<string, JsonNode?> Meta,
    int UidHighWaterMark)
{
    public const string HighWaterKey = "_uidHighWaterMark";
    public const string DescriptionKey = "_description";
    public const string Description =
        "Reservations made by hostenv-provider: each environment's Unix user name, UID, node and virtual hosts. " +
        "Entries are never reused; remove one only with `hostenv-provider state prune`.";

    public static readonly ProviderState Empty = new(
        ImmutableSortedDictionary.Create<string, StateEntry>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, JsonNode?>(StringComparer.Ordinal),
        0);
}
