using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provider.Monitor.Jobs;

/// <summary>A job's request and origin are stored as JSON: source-generated, enums as names, compact.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, WriteIndented = false)]
[JsonSerializable(typeof(JobRequest))]
[JsonSerializable(typeof(JobOrigin))]
internal sealed partial class JobJsonContext : JsonSerializerContext;

internal static class JobJson
{
    public static string Serialize(JobRequest request) => JsonSerializer.Serialize(request, JobJsonContext.Default.JobRequest);

    public static string Serialize(JobOrigin origin) => JsonSerializer.Serialize(origin, JobJsonContext.Default.JobOrigin);

    public static JobRequest Request(string json) =>
        JsonSerializer.Deserialize(json, JobJsonContext.Default.JobRequest) ?? throw new InvalidDataException("A stored job request is the JSON literal null.");

    public static JobOrigin Origin(string json) =>
        JsonSerializer.Deserialize(json, JobJsonContext.Default.JobOrigin) ?? throw new InvalidDataException("A stored job origin is the JSON literal null.");
}
