using System.Collections.Immutable;
using System.Globalization;
using Provider.Nodes.Processes;

namespace Provider.Nodes.Apply;

/// <summary>
/// TEST-ONLY fault injection for the testbed's fault matrix (README "Fault matrix"). Inert unless one of two
/// environment variables is set; no user-facing command sets or documents them, and nothing in a plan or a
/// provider repo can turn them on.
///
///   HOSTENV_PROVIDER_FAULT=ACTION@STEP          at the moment the local journal records STEP (any node, any key),
///     ACTION kill      the process sends itself SIGKILL (a real kill -9: no finally blocks, no lock release);
///     ACTION cut-ssh   every TCP connection this process holds to port 22 is destroyed (`ss -K`: the kernel
///                      aborts the socket and sends RST), once; the run continues and meets the dead connection.
///   STEP is one of <see cref="Steps"/> (what <see cref="DeployJournal.Record"/> accepts), optionally as KEY:STEP
///   where KEY is "system" or an environment's user name (its prefix is enough).
///
///   HOSTENV_PROVIDER_CLOCK_SKEW_SECONDS=N      the deploy's clock (<see cref="Clock"/>) runs N seconds ahead (or
///                                              behind, N &lt; 0) of the machine's: release names, journal and lock
///                                              timestamps. The node's clock is not affected.
/// </summary>
public static class FaultInjection
{
    public const string FaultVariable = "HOSTENV_PROVIDER_FAULT";
    public const string ClockSkewVariable = "HOSTENV_PROVIDER_CLOCK_SKEW_SECONDS";

    /// <summary>The system stage's journal steps: its outcomes, lower-case.</summary>
    public static ImmutableArray<string> SystemSteps { get; } = [.. Enum.GetNames<SystemOutcome>().Select(n => n.ToLowerInvariant())];

    /// <summary>An environment's journal steps of a deploy that ships a release, in order.</summary>
    public static ImmutableArray<string> EnvironmentSteps { get; } = ["start", "assembled", "built", "switched", "done"];

    /// <summary>An environment's other journal steps (how a run ends when it ships nothing or fails).</summary>
    public static ImmutableArray<string> EnvironmentEndSteps { get; } = ["done-with-warning", "up-to-date", "skipped", "failed"];

    /// <summary>A move's journal steps (recorded under the old node, keyed by the environment), in order; then "moved" or "move-failed".</summary>
    public static ImmutableArray<string> MoveSteps { get; } = ["move-start", "move-bulk", "move-stopped", "move-synced", "moved", "move-failed"];

    /// <summary>Every step the journal records; <see cref="DeployJournal.Record"/> refuses any other, so this list is the product's own.</summary>
    public static ImmutableHashSet<string> Steps { get; } = [.. SystemSteps, .. EnvironmentSteps, .. EnvironmentEndSteps, .. MoveSteps];

    private static readonly Lazy<(string Action, string? Key, string Step)?> Fault = new(Parse);
    private static int cut;

    /// <summary>The deploy's clock: the system clock, moved by <see cref="ClockSkewVariable"/> when it is set.</summary>
    public static TimeProvider Clock(TimeProvider system) =>
        Environment.GetEnvironmentVariable(ClockSkewVariable) is { Length: > 0 } s
            ? new SkewedClock(system, TimeSpan.FromSeconds(long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)))
            : system;

    /// <summary>Called by the journal after it saved <paramref name="step"/> for <paramref name="key"/>.</summary>
    internal static void AtStep(string key, string step)
    {
        if (Fault.Value is not { } f || f.Step != step || (f.Key is { } k && !key.StartsWith(k, StringComparison.Ordinal)))
        {
            return;
        }

        if (f.Action == "kill")
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            self.Kill(); // SIGKILL to itself on Linux: the process ends here, as under `kill -9`
            Thread.Sleep(Timeout.Infinite);
        }

        if (Interlocked.Exchange(ref cut, 1) == 0)
        {
            CutSsh();
        }
    }

    private static (string, string?, string)? Parse()
    {
        if (Environment.GetEnvironmentVariable(FaultVariable) is not { Length: > 0 } spec)
        {
            return null;
        }

        var at = spec.IndexOf('@', StringComparison.Ordinal);
        var action = at < 0 ? "" : spec[..at];
        var target = at < 0 ? "" : spec[(at + 1)..];
        var colon = target.LastIndexOf(':');
        var (key, step) = colon < 0 ? (null, target) : (target[..colon], target[(colon + 1)..]);
        if (action is not ("kill" or "cut-ssh") || !Steps.Contains(step))
        {
            throw new InvalidOperationException($"{FaultVariable}='{spec}': expected kill@STEP or cut-ssh@STEP (optionally KEY:STEP), STEP one of {string.Join(", ", Steps.Order(StringComparer.Ordinal))}");
        }

        return (action, key, step);
    }

    /// <summary>Destroys this process's TCP sockets to port 22: their inodes from /proc/self/fd, their ports from /proc/self/net/tcp.</summary>
    private static void CutSsh()
    {
        var inodes = Directory.EnumerateFiles("/proc/self/fd").Select(f => new FileInfo(f).LinkTarget ?? "")
            .Where(t => t.StartsWith("socket:[", StringComparison.Ordinal)).Select(t => t[8..^1]).ToHashSet(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" })
        {
            foreach (var line in File.Exists(table) ? File.ReadLines(table).Skip(1) : [])
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10 || !inodes.Contains(f[9]) || !f[2].EndsWith(":0016", StringComparison.Ordinal))
                {
                    continue;
                }

                var localPort = int.Parse(f[1][(f[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var r = ProcessRunner.RunAsync("ss", ["-K", "-tn", "dport", "=", ":22", "sport", "=", ":" + localPort.ToString(CultureInfo.InvariantCulture)],
                    timeout: TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
                if (!r.Success)
                {
                    throw new InvalidOperationException($"{FaultVariable}: ss -K failed: {r.Stderr}");
                }
            }
        }
    }

    private sealed class SkewedClock(TimeProvider inner, TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + skew;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;
    }
}
