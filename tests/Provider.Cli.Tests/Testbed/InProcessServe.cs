using System.Net;
using System.Net.Sockets;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests.Testbed;

/// <summary>`hostenv-provider serve` run in-process on a free loopback port until disposed (as Ctrl+C would stop it).</summary>
public sealed class InProcessServe : IAsyncDisposable
{
    private readonly CancellationTokenSource stop;

    private InProcessServe(Uri address, Task<CliResult> run, CancellationTokenSource stop)
    {
        Address = address;
        Run = run;
        this.stop = stop;
    }

    public Uri Address { get; }

    /// <summary>The command's end: its exit code and what it printed.</summary>
    public Task<CliResult> Run { get; }

    /// <summary>Starts serve with <paramref name="args"/> (everything before "serve" included) plus --listen on a free port.</summary>
    public static InProcessServe Start(params string[] args)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var stop = new CancellationTokenSource();
        var run = Task.Run(async () =>
        {
            using var stdout = new StringWriter { NewLine = "\n" };
            using var stderr = new StringWriter { NewLine = "\n" };
            var code = await CliApp.RunAsync([.. args, "--listen", $"127.0.0.1:{port}"],
                new CliConsole(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), TextReader.Null, ErrorIsTerminal: false, NoColor: true), stop.Token);
            return new CliResult(code, stdout.ToString(), stderr.ToString());
        });
        return new InProcessServe(new Uri($"http://127.0.0.1:{port}/"), run, stop);
    }

    /// <summary>Waits (at most 20 s) until serve answers HTTP; fails the test when serve ended instead.</summary>
    public async Task WaitListeningAsync()
    {
        using var http = new HttpClient { BaseAddress = Address };
        for (var i = 0; i < 100; i++)
        {
            Assert.False(Run.IsCompleted, "serve ended: " + (Run.IsCompleted ? Run.Result.Stderr : ""));
            try
            {
                using var r = await http.GetAsync("api/whoami");
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Ctrl+C: cancels the command and waits for its end (at most 30 s).</summary>
    public async Task<CliResult> StopAsync()
    {
        await stop.CancelAsync();
        return await Run.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (TimeoutException)
        {
            // the test that owns it reports a hung serve itself
        }

        stop.Dispose();
    }
}
