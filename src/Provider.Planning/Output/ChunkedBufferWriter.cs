using System.Buffers;

namespace Provider.Planning.Output;

/// <summary>
/// An IBufferWriter that grows by appending chunks instead of doubling one array, then copies once into
/// an exact-size result. Writing a 66 MB plan through a MemoryStream spent about a tenth of the planner's
/// time re-copying and zeroing the growing buffer. The chunks come from the shared array pool and go back on
/// <see cref="Dispose"/>: fresh chunks of 1 MB and more are large objects, and allocating them per plan brought on
/// full collections of the whole heap (only the used bytes of a chunk are ever copied out). Each chunk is twice the
/// size of the one before (up to <see cref="MaxChunkSize"/>), so a plan of any size takes a handful of chunks that
/// the pool keeps: it holds about 32 arrays of one size per core, and a 10,000-environment plan in 1 MB chunks
/// (65 of them) was already at that limit; a larger fleet would have had them allocated afresh on every plan.
/// </summary>
internal sealed class ChunkedBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int FirstChunkSize = 64 * 1024;
    private const int MaxChunkSize = 16 << 20;
    private readonly List<(byte[] Buffer, int Used)> full = [];
    private byte[] current = ArrayPool<byte>.Shared.Rent(FirstChunkSize);
    private int used;

    public int Length => full.Sum(c => c.Used) + used;

    public void Advance(int count) => used += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return current.AsMemory(used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return current.AsSpan(used);
    }

    public byte[] ToArray(byte? trailer)
    {
        var result = GC.AllocateUninitializedArray<byte>(Length + (trailer is null ? 0 : 1));
        var offset = 0;
        foreach (var (buffer, count) in full.Append((current, used)))
        {
            buffer.AsSpan(0, count).CopyTo(result.AsSpan(offset));
            offset += count;
        }

        if (trailer is { } t)
        {
            result[offset] = t;
        }

        return result;
    }

    public void Dispose()
    {
        foreach (var (buffer, _) in full)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        full.Clear();
        ArrayPool<byte>.Shared.Return(current);
        current = [];
        used = 0;
    }

    private void Ensure(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (current.Length - used >= need)
        {
            return;
        }

        if (used > 0)
        {
            full.Add((current, used));
        }
        else
        {
            ArrayPool<byte>.Shared.Return(current);
        }

        current = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Min(current.Length * 2, MaxChunkSize), need));
        used = 0;
    }
}
