namespace Provider.Monitor.Service;

/// <summary>
/// Tells listeners (the dashboard's server-sent events) that a node's cycle was committed. Each listener gets its own
/// bounded channel; a slow listener loses intermediate signals, never blocks the collector (only "something changed" matters).
/// </summary>
public sealed class CycleSignal
{
    private readonly Lock gate = new();
    private readonly List<System.Threading.Channels.Channel<string>> listeners = [];

    /// <summary>Called by the collector after a node's cycle is stored.</summary>
    public void Publish(string node)
    {
        lock (gate)
        {
            foreach (var l in listeners)
            {
                l.Writer.TryWrite(node);
            }
        }
    }

    /// <summary>Node names as their cycles complete; ends with OperationCanceledException when ct is cancelled.</summary>
    public async IAsyncEnumerable<string> ListenAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var channel = System.Threading.Channels.Channel.CreateBounded<string>(new System.Threading.Channels.BoundedChannelOptions(64)
        {
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest,
        });
        lock (gate)
        {
            listeners.Add(channel);
        }

        try
        {
            await foreach (var node in channel.Reader.ReadAllAsync(ct))
            {
                yield return node;
            }
        }
        finally
        {
            lock (gate)
            {
                listeners.Remove(channel);
            }
        }
    }
}
