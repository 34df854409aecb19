using System.Text;
using Provider.Nodes.Remote;

namespace Provider.Nodes.Ssh;

/// <summary>A read that may travel ahead of its turn: the command, and optionally what its stdout must start with for the reads after it to run.</summary>
public sealed record ReadAheadStep(RemoteCommand Command, string? ContinueWhen = null);

/// <summary>
/// Reading ahead: round trips, not work, are most of what a converged deploy spends on a node. The next command a session
/// runs can carry the reads its caller knows will follow (the node's generation, each environment's state) in its own
/// trip; their results wait here for the identical command, which then makes no trip of its own.
/// </summary>
public sealed partial class SshNodeSession
{
    private static readonly TimeSpan ReadAheadTimeout = TimeSpan.FromSeconds(60);
    private readonly Dictionary<string, CommandResult> readAhead = new(StringComparer.Ordinal);
    private (string When, IReadOnlyList<ReadAheadStep> Reads)? carried;

    /// <summary>
    /// The next command this session runs without stdin carries <paramref name="reads"/>: on the node, after it, only when it
    /// exited 0 and its stdout starts with <paramref name="when"/>, and each in turn while the conditions of the reads before it
    /// hold. A read's result is taken (once) by the next <see cref="RunAsync(RemoteCommand, TimeSpan, CancellationToken)"/> of an
    /// identical command. The caller must <see cref="DropReadAhead"/> as soon as it changes what a waiting read has seen.
    /// </summary>
    public void CarryReadAhead(string when, IReadOnlyList<ReadAheadStep> reads)
    {
        lock (readAhead)
        {
            carried = reads.Count == 0 ? null : (when, reads);
        }
    }

    /// <summary>Forgets every waiting read (and reads not yet carried): the commands run again when asked.</summary>
    public void DropReadAhead()
    {
        lock (readAhead)
        {
            carried = null;
            readAhead.Clear();
        }
    }

    private CommandResult? TakeReadAhead(RemoteCommand command)
    {
        lock (readAhead)
        {
            return readAhead.Count > 0 && readAhead.Remove(command.Render(), out var result) ? result : null;
        }
    }

    private (string When, IReadOnlyList<ReadAheadStep> Reads)? TakeCarried()
    {
        lock (readAhead)
        {
            var taken = carried;
            carried = null;
            return taken;
        }
    }

    /// <summary>One trip: <paramref name="command"/>, then the carried reads (read-ahead.sh); the command's own result comes back.</summary>
    private async Task<CommandResult> RunCarryingAsync(RemoteCommand command, TimeSpan timeout, (string When, IReadOnlyList<ReadAheadStep> Reads) carry, CancellationToken ct)
    {
        // When every command runs as root, the batch does (one sudo instead of one per command).
        var asRoot = command.Sudo && carry.Reads.All(r => r.Command.Sudo);
        RemoteCommand Inner(RemoteCommand c) => asRoot ? c.AsRoot(false) : c;
        var args = new List<string> { carry.When, Bounded(Inner(command), timeout).Render() };
        foreach (var read in carry.Reads)
        {
            args.Add(read.ContinueWhen ?? "");
            args.Add(Bounded(Inner(read.Command), ReadAheadTimeout).Render());
        }

        var total = timeout + (ReadAheadTimeout * carry.Reads.Count);
        var wrapper = Bounded(RemoteScripts.Command("read-ahead.sh", [.. args]).AsRoot(asRoot), total + RemoteGrace);
        var batch = await RunTextAsync(wrapper.Render(), total + RemoteGrace + RemoteGrace, null, ct);
        var lines = batch.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            // Nothing ran (the wrapper itself failed before the first command): the command makes its own trip.
            return await RunTextAsync(Bounded(command, timeout).Render(), timeout + RemoteGrace, null, ct);
        }

        var own = Parse(lines[0]) ?? throw new NodeConnectionException($"node '{Target.Node}' answered a batched command with an unreadable line (exit {batch.ExitCode}): {Abbreviate(batch.Stderr.Trim())}");
        lock (readAhead)
        {
            for (var i = 1; i < lines.Length && i <= carry.Reads.Count; i++)
            {
                if (Parse(lines[i]) is { } result)
                {
                    readAhead[carry.Reads[i - 1].Command.Render()] = result;
                }
            }
        }

        return own;
    }

    /// <summary>"EXIT STDOUT-BASE64 STDERR-BASE64", or null when the line is not that.</summary>
    private static CommandResult? Parse(string line)
    {
        var parts = line.Split(' ');
        if (parts.Length != 3 || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var exit))
        {
            return null;
        }

        try
        {
            return new CommandResult(exit, Encoding.UTF8.GetString(Convert.FromBase64String(parts[1])), Encoding.UTF8.GetString(Convert.FromBase64String(parts[2])));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
