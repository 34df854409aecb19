using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Provider.Nodes.Ssh;

public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Success => ExitCode == 0;
}

/// <summary>
/// One SSH connection to one node, reused for a whole command: host key pinned (no trust on first use),
/// commands with exit code and output, atomic uploads over SFTP, timeouts and cancellation.
/// </summary>
public sealed partial class SshNodeSession : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private readonly SshClient client;
    private readonly ConnectionInfo connection;
    private SftpClient? sftp;

    private SshNodeSession(SshTarget target, SshClient client, ConnectionInfo connection)
    {
        Target = target;
        this.client = client;
        this.connection = connection;
    }

    public SshTarget Target { get; }

    /// <summary>Whether commands need `sudo -n` to act as root.</summary>
    public bool NeedsSudo => Target.User != "root";

    public static async Task<SshNodeSession> ConnectAsync(SshTarget target, string keyPath, CancellationToken ct)
    {
        if (target.HostKey is null)
        {
            throw new NodeConnectionException($"node '{target.Node}' has no hostKey in node.yaml; record it with `hostenv-provider node add`");
        }

        var pin = HostKeyPin.Parse(target.HostKey);
        PrivateKeyFile key;
        try
        {
            key = new PrivateKeyFile(keyPath);
        }
        catch (Exception ex) when (ex is SshException or IOException or UnauthorizedAccessException)
        {
            throw new NodeConnectionException($"cannot load SSH key {keyPath}: {ex.Message}", ex);
        }

        var info = new ConnectionInfo(target.Host, target.Port, target.User, new PrivateKeyAuthenticationMethod(target.User, key))
        {
            Timeout = ConnectTimeout,
        };
        var client = new SshClient(info) { KeepAliveInterval = TimeSpan.FromSeconds(15) };
        string? presented = null;
        client.HostKeyReceived += (_, e) =>
        {
            presented = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = presented == pin.Fingerprint;
        };
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(ConnectTimeout + TimeSpan.FromSeconds(5));
            await client.ConnectAsync(cts.Token);
        }
        catch (SshConnectionException) when (presented is not null && presented != pin.Fingerprint)
        {
            client.Dispose();
            throw new HostKeyMismatchException(target.Node, pin.Fingerprint, presented);
        }
        catch (SshAuthenticationException ex)
        {
            client.Dispose();
            throw new NodeConnectionException($"node '{target.Node}' ({target}) refused the key {keyPath}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is SshException or System.Net.Sockets.SocketException or OperationCanceledException or TimeoutException or ProxyException)
        {
            client.Dispose();
            ct.ThrowIfCancellationRequested();
            throw new NodeConnectionException($"cannot connect to node '{target.Node}' ({target}): {ex.Message}", ex);
        }

        return new SshNodeSession(target, client, info);
    }

    /// <summary>Connects once and returns the host key the server presents, trusting nothing (for `node add`).</summary>
    public static async Task<(string Line, string Fingerprint)> ProbeHostKeyAsync(string host, int port, CancellationToken ct)
    {
        var info = new ConnectionInfo(host, port, "hostenv-probe", new NoneAuthenticationMethod("hostenv-probe")) { Timeout = ConnectTimeout };
        info.HostKeyAlgorithms.Keys.Where(k => k != "ssh-ed25519").ToList().ForEach(k => info.HostKeyAlgorithms.Remove(k));
        using var client = new SshClient(info);
        (string, string)? key = null;
        client.HostKeyReceived += (_, e) =>
        {
            key = (e.HostKeyName + " " + Convert.ToBase64String(e.HostKey), "SHA256:" + e.FingerPrintSHA256);
            e.CanTrust = false; // never authenticate during a probe
        };
        try
        {
            await client.ConnectAsync(ct);
        }
        catch (Exception ex) when (ex is SshException or System.Net.Sockets.SocketException or TimeoutException)
        {
            if (key is null)
            {
                throw new NodeConnectionException($"cannot reach {host}:{port}: {ex.Message}", ex);
            }
        }

        return key ?? throw new NodeConnectionException($"{host}:{port} presented no ed25519 host key");
    }

    public Task<CommandResult> RunAsync(RemoteCommand command, TimeSpan timeout, CancellationToken ct) =>
        RunAsync(command, timeout, null, ct);

    /// <summary>Runs a command; <paramref name="stdin"/> (e.g. a secret) travels over the channel, never on the command line.</summary>
    public async Task<CommandResult> RunAsync(RemoteCommand command, TimeSpan timeout, string? stdin, CancellationToken ct)
    {
        // SSH.NET's cancel does not stop the remote process, and a dropped connection would orphan it:
        // coreutils timeout on the node bounds every command itself. Locally we wait a little longer.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        CommandResult result;
        var how = "";
        if (stdin is null && TakeReadAhead(command) is { } ready)
        {
            (result, how) = (ready, " (read ahead)");
        }
        else if (stdin is null && TakeCarried() is { } carry)
        {
            (result, how) = (await RunCarryingAsync(command, timeout, carry, ct), $" (carried {carry.Reads.Count} read(s) ahead)");
        }
        else
        {
            result = await RunTextAsync(Bounded(command, timeout).Render(), timeout + RemoteGrace, stdin, ct);
        }

        TraceCommand(command, started, result, how);

        if (result.ExitCode == RemoteCommand.TimeoutExitCode)
        {
            throw new NodeConnectionException($"command on node '{Target.Node}' timed out after {timeout.TotalSeconds:0} s: {Abbreviate(command.Render())}");
        }

        return result;
    }

    private static readonly TimeSpan RemoteGrace = TimeSpan.FromSeconds(8);

    /// <summary>The command as it runs here: sudo only when the login is not root, and the node's own timeout.</summary>
    private RemoteCommand Bounded(RemoteCommand command, TimeSpan timeout) =>
        (command.Sudo && !NeedsSudo ? command.AsRoot(false) : command).WithRemoteTimeout(timeout);

    private void TraceCommand(RemoteCommand command, long started, CommandResult result, string how = "")
    {
        if (Trace is { } trace)
        {
            // Every remote command's wall time and first script line (never stdin, never arguments: they may carry secrets).
            var first = (command.Script ?? (command.Argv.Count > 0 ? command.Argv[0] : "")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .FirstOrDefault(l => !l.StartsWith("#!", StringComparison.Ordinal) && !l.StartsWith("HOSTENV_", StringComparison.Ordinal)) ?? "";
            trace(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"[trace] {Target.Node}: {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,7:0} ms exit {result.ExitCode}{how}: {(first.Length > 80 ? first[..80] : first)}"));
        }
    }

    /// <summary>Where command timings go when tracing is on (the CLI sets it for HOSTENV_PROVIDER_TRACE=1); null: off.</summary>
    public static Action<string>? Trace { get; set; }

    private async Task<CommandResult> RunTextAsync(string text, TimeSpan timeout, string? stdin, CancellationToken ct)
    {
        EnsureConnected();
        using var command = client.CreateCommand(text, Encoding.UTF8);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            var run = command.ExecuteAsync(cts.Token);
            if (stdin is not null)
            {
                using var input = command.CreateInputStream();
                var bytes = Encoding.UTF8.GetBytes(stdin);
                await input.WriteAsync(bytes, ct);
            }

            await run;
            return new CommandResult(command.ExitStatus ?? -1, command.Result, command.Error);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new NodeConnectionException($"command on node '{Target.Node}' timed out after {timeout.TotalSeconds:0} s: {Abbreviate(text)}");
        }
        catch (Exception ex) when (ex is SshConnectionException or SshOperationTimeoutException || TransportBroke(ex)
            || (ex is SshException or ObjectDisposedException or InvalidOperationException && !client.IsConnected))
        {
            throw new NodeConnectionException($"connection to node '{Target.Node}' ({Target}) was lost while running: {Abbreviate(text)}", ex);
        }
    }

    /// <summary>
    /// Runs a command whose stdin and stdout are byte streams (a tar between two nodes, a NUL-separated listing):
    /// <paramref name="writeInput"/> writes stdin (closed when it returns), <paramref name="readOutput"/> reads stdout
    /// to its end. The result carries the exit code and stderr; stdout is the reader's.
    /// </summary>
    public async Task<CommandResult> StreamAsync(RemoteCommand command, TimeSpan timeout, Func<Stream, CancellationToken, Task>? writeInput,
        Func<Stream, CancellationToken, Task>? readOutput, CancellationToken ct)
    {
        var bounded = (command.Sudo && !NeedsSudo ? command.AsRoot(false) : command).WithRemoteTimeout(timeout);
        var text = bounded.Render();
        EnsureConnected();
        using var run = client.CreateCommand(text, Encoding.UTF8);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout + RemoteGrace);
        try
        {
            var execute = run.ExecuteAsync(cts.Token);
            // Created at once (only while the command runs); a command given no input may be done before it is asked for.
            var input = Task.CompletedTask;
            if (writeInput is { } write)
            {
                var stdin = run.CreateInputStream();
                input = Task.Run(async () =>
                {
                    using (stdin)
                    {
                        await write(stdin, cts.Token);
                    }
                }, cts.Token);
            }
            var output = readOutput is null ? Task.CompletedTask : readOutput(run.OutputStream, cts.Token);
            try
            {
                await Task.WhenAll(execute, input, output);
            }
            catch when (!execute.IsCompleted)
            {
                await cts.CancelAsync(); // a failed side stops the command rather than leaving it waiting for input
                throw;
            }

            return new CommandResult(run.ExitStatus ?? -1, "", run.Error);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new NodeConnectionException($"command on node '{Target.Node}' timed out after {timeout.TotalSeconds:0} s: {Abbreviate(text)}");
        }
        catch (Exception ex) when (ex is SshConnectionException or SshOperationTimeoutException || TransportBroke(ex)
            || (ex is SshException or ObjectDisposedException or InvalidOperationException && !client.IsConnected))
        {
            throw new NodeConnectionException($"connection to node '{Target.Node}' ({Target}) was lost while running: {Abbreviate(text)}", ex);
        }
    }

    /// <summary>Streams a file to a temp name beside the target, sets its mode, then renames it into place.</summary>
    public async Task UploadAsync(Stream content, string remotePath, UnixFileMode mode, CancellationToken ct)
    {
        EnsureConnected();
        try
        {
            sftp ??= await ConnectSftpAsync(ct);
            var temp = remotePath + ".hostenv-upload-" + Guid.NewGuid().ToString("N")[..8];
            await sftp.UploadFileAsync(content, temp, ct);
            sftp.ChangePermissions(temp, SftpMode(mode));
            sftp.RenameFile(temp, remotePath, isPosix: true);
        }
        catch (Exception ex) when (ex is SshOperationTimeoutException || TransportBroke(ex) || (ex is SshException or IOException && !client.IsConnected))
        {
            throw new NodeConnectionException($"upload of {remotePath} to node '{Target.Node}' failed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A socket error under a command or an upload (e.g. "Broken pipe" when the node lost power) is a lost connection,
    /// even in the moment before SSH.NET itself notices and still reports the client as connected.
    /// </summary>
    private static bool TransportBroke(Exception ex) =>
        ex is System.Net.Sockets.SocketException || ex.InnerException is System.Net.Sockets.SocketException
        || ex is IOException { InnerException: System.Net.Sockets.SocketException };

    /// <summary>SSH.NET wants the octal digits written as a decimal number: 0o640 is passed as 640.</summary>
    internal static short SftpMode(UnixFileMode mode)
    {
        var m = (int)mode & 0xFFF;
        return (short)(((m >> 9) & 7) * 1000 + ((m >> 6) & 7) * 100 + ((m >> 3) & 7) * 10 + (m & 7));
    }

    private async Task<SftpClient> ConnectSftpAsync(CancellationToken ct)
    {
        var pin = HostKeyPin.Parse(Target.HostKey ?? "");
        var client = new SftpClient(connection);
        client.HostKeyReceived += (_, e) => e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == pin.Fingerprint;
        await client.ConnectAsync(ct);
        return client;
    }

    private void EnsureConnected()
    {
        if (!client.IsConnected)
        {
            throw new NodeConnectionException($"connection to node '{Target.Node}' ({Target}) is closed");
        }
    }

    private static string Abbreviate(string text) => text.Length <= 120 ? text : text[..117] + "...";

    public void Dispose()
    {
        sftp?.Dispose();
        client.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
