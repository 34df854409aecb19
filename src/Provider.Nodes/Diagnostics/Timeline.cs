using System.Diagnostics;
using System.Globalization;

namespace Provider.Nodes.Diagnostics;

/// <summary>
/// Where a run's time goes (HOSTENV_PROVIDER_TRACE=1): phase marks as milliseconds since the process started, so a
/// breakdown includes the runtime's own start-up. Off (no allocation, no clock read) unless a sink is set.
/// </summary>
public static class Timeline
{
    private static readonly DateTime ProcessStart = ReadProcessStart();

    /// <summary>Where marks go; null: tracing is off. The CLI sets it together with <see cref="Ssh.SshNodeSession.Trace"/>.</summary>
    public static Action<string>? Sink { get; set; }

    public static void Mark(string phase)
    {
        if (Sink is { } sink)
        {
            var ms = (DateTime.UtcNow - ProcessStart).TotalMilliseconds;
            // CPU of the whole process (all threads) and methods the JIT compiled so far: where wall time is not CPU,
            // the run waited (network, node); where CPU grows with the JIT count, code ran that ReadyToRun did not cover.
            var cpu = Environment.CpuUsage.TotalTime.TotalMilliseconds;
            var jit = System.Runtime.JitInfo.GetCompiledMethodCount();
            sink(string.Create(CultureInfo.InvariantCulture, $"[trace] +{ms,6:0} ms (cpu {cpu,5:0} ms, jit {jit,5}) {phase}"));
        }
    }

    /// <summary>Marks the start and the end of a phase (dispose ends it), with the phase's own duration.</summary>
    public static Span Phase(string phase) => Sink is null ? default : new Span(phase, Stopwatch.GetTimestamp());

    public readonly struct Span(string phase, long started) : IDisposable
    {
        public void Dispose()
        {
            if (phase is not null && Sink is not null)
            {
                Mark(string.Create(CultureInfo.InvariantCulture, $"{phase} done ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms)"));
            }
        }
    }

    private static DateTime ReadProcessStart()
    {
        try
        {
            using var self = Process.GetCurrentProcess();
            return self.StartTime.ToUniversalTime();
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return DateTime.UtcNow;
        }
    }
}
