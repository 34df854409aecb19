using System.Text.Json;
using System.Text.Json.Nodes;

namespace Provider.Planning.Output;

/// <summary>
/// Streams canonical JSON (same bytes as <see cref="CanonicalJson"/>) without building a DOM. Callers
/// write keys in ordinal order; a key out of order throws, so an ordering slip fails every test that
/// reaches it instead of silently producing unsorted output.
/// </summary>
public sealed class SortedJsonWriter : IDisposable
{
    private readonly ChunkedBufferWriter buffer = new();
    private readonly Utf8JsonWriter writer;
    private readonly Stack<string?> lastKeys = new();

    public SortedJsonWriter() => writer = new Utf8JsonWriter(buffer, CanonicalJson.WriterOptions);

    public byte[] ToBytes()
    {
        writer.Flush();
        return buffer.ToArray(trailer: (byte)'\n');
    }

    public void StartObject()
    {
        writer.WriteStartObject();
        lastKeys.Push(null);
    }

    public void StartObject(string key)
    {
        Key(key);
        StartObject();
    }

    public void EndObject()
    {
        writer.WriteEndObject();
        lastKeys.Pop();
    }

    public void StartArray(string key)
    {
        Key(key);
        writer.WriteStartArray();
    }

    public void EndArray() => writer.WriteEndArray();

    public void String(string key, string? value)
    {
        Key(key);
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    public void Number(string key, int value)
    {
        Key(key);
        writer.WriteNumberValue(value);
    }

    public void Bool(string key, bool value)
    {
        Key(key);
        writer.WriteBooleanValue(value);
    }

    public void Bool(string key, bool? value)
    {
        Key(key);
        if (value is { } b)
        {
            writer.WriteBooleanValue(b);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    public void Number(string key, int? value)
    {
        Key(key);
        if (value is { } n)
        {
            writer.WriteNumberValue(n);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    public void Null(string key)
    {
        Key(key);
        writer.WriteNullValue();
    }

    /// <summary>An array of strings, in the order given (callers sort when order carries no meaning).</summary>
    public void Strings(string key, IEnumerable<string> values)
    {
        StartArray(key);
        foreach (var v in values)
        {
            writer.WriteStringValue(v);
        }

        EndArray();
    }

    public void Numbers(string key, IEnumerable<int> values)
    {
        StartArray(key);
        foreach (var v in values)
        {
            writer.WriteNumberValue(v);
        }

        EndArray();
    }

    /// <summary>An arbitrary JSON value (e.g. unknown metadata carried through), written canonically.</summary>
    public void Node(string key, JsonNode? node)
    {
        Key(key);
        CanonicalJson.Write(writer, node);
    }

    /// <summary>Starts an array element object.</summary>
    public void StartItemObject() => StartObject();

    public void Dispose()
    {
        writer.Dispose();
        buffer.Dispose();
    }

    private void Key(string key)
    {
        var previous = lastKeys.Pop();
        if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
        {
            throw new InvalidOperationException($"JSON key '{key}' written after '{previous}': keys must be written in ordinal order");
        }

        lastKeys.Push(key);
        writer.WritePropertyName(key);
    }
}
