using Provider.Monitor.Service;

namespace Provider.Monitor.Tests;

public class CycleSignalTests
{
    [Fact]
    public async Task Listener_ReceivesPublishedNodes_AndStopsOnCancel()
    {
        var signal = new CycleSignal();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<string>();
        var listening = Task.Run(async () =>
        {
            await foreach (var n in signal.ListenAsync(cts.Token))
            {
                seen.Add(n);
                if (seen.Count == 2)
                {
                    break;
                }
            }
        });
        // Publish until the listener has subscribed and taken both.
        for (var i = 0; i < 200 && !listening.IsCompleted; i++)
        {
            signal.Publish(i % 2 == 0 ? "a" : "b");
            await Task.Delay(20);
        }

        await listening;
        Assert.Equal(2, seen.Count);
    }
}
