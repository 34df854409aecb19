namespace Provider.Monitor.Tests.Web;

public class MonitorWebAppTests
{
    [Fact]
    public async Task Stop_WithAnOpenEventStream_EndsTheStreamAndStopsPromptly()
    {
        var server = await MonitorServer.StartAsync();
        try
        {
            Assert.NotEqual(0, server.Address.Port);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await server.Client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            Assert.Equal("retry: 5000", await reader.ReadLineAsync(cts.Token));

            var stopping = System.Diagnostics.Stopwatch.StartNew();
            await server.App.StopAsync(cts.Token);
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
            Assert.Equal(string.Empty, await reader.ReadLineAsync(cts.Token));
            Assert.Null(await reader.ReadLineAsync(cts.Token));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
