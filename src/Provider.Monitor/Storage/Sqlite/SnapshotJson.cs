using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provider.Monitor.Storage.Sqlite;

/// <summary>Snapshots are stored as JSON text: source-generated (no reflection), enums as names, compact, property order fixed by the record.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, WriteIndented = false)]
[JsonSerializable(typeof(NodeSnapshot))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;

internal static class SnapshotJson
{
    public static string Serialize(NodeSnapshot snapshot) => JsonSerializer.Serialize(snapshot, SnapshotJsonContext.Default.NodeSnapshot);

    public static NodeSnapshot Deserialize(string json) =>
        JsonSerializer.Deserialize(json, SnapshotJsonContext.Default.NodeSnapshot)
        ?? throw new InvalidDataException("A stored node snapshot is the JSON literal null.");
}
