using System.Net;
using Microsoft.Extensions.Logging;

namespace Provider.Monitor.Web;

/// <summary>
/// How the monitor's web server runs. Url is what Kestrel listens on ("http://127.0.0.1:8080"; port 0 picks a free
/// one, see <see cref="MonitorWebApp.Address"/>). Interval is the collector's cycle, shown on the pages and used
/// to call a node's data stale.
/// </summary>
public sealed record MonitorWebOptions(string Url, TimeSpan Interval)
{
    public static MonitorWebOptions ForEndPoint(IPEndPoint endPoint, TimeSpan interval) =>
        new($"http://{endPoint}", interval);

    /// <summary>Log messages below this level are dropped (logs go to stderr).</summary>
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Warning;

    /// <summary>One stderr line per request (method, path, status, duration).</summary>
    public bool LogRequests { get; init; }

    /// <summary>How often /api/events sends a comment so proxies keep the connection open.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);
}
