using Provider.Monitor.Auth;
using Provider.Monitor.Jobs;
using Provider.Monitor.Service;
using Provider.Monitor.Storage;

namespace Provider.Monitor.Web;

/// <summary>What every endpoint needs, registered once so handlers take one parameter instead of four.</summary>
public sealed record MonitorServices(IMonitorStore Store, CycleSignal Signal, MonitorWebOptions Options, TimeProvider Clock)
{
    public DateTimeOffset Now => Clock.GetUtcNow();

    public ITokenStore? Tokens => Options.Tokens;

    public IJobStore? Jobs => Options.Jobs;

    public IJobQueue? Queue => Options.Queue;

    /// <summary>The newest snapshot of one node, or null when the node was never collected.</summary>
    public async Task<NodeSnapshot?> FindNodeAsync(string node, CancellationToken ct)
    {
        var history = await Store.GetNodeHistoryAsync(node, 1, ct);
        return history.IsDefaultOrEmpty ? null : history[0];
    }
}
