using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Provider.Monitor.Auth;
using Provider.Monitor.Jobs;

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

    /// <summary>
    /// The API tokens. Set: authentication is on, every page and /api request needs a token (Bearer header) or a
    /// session cookie from /login. Null: monitor-only, reads are open and every write is refused.
    /// </summary>
    public ITokenStore? Tokens { get; init; }

    /// <summary>The job queue's storage, for the /jobs pages (null: no job pages, no action buttons).</summary>
    public IJobStore? Jobs { get; init; }

    /// <summary>Where the dashboard's buttons send deploys and rollbacks (null: no action buttons).</summary>
    public IJobQueue? Queue { get; init; }

    /// <summary>
    /// Where the keys that protect session and antiforgery cookies are kept, so sessions outlive a restart. Null:
    /// keys live in memory and every restart signs everyone out.
    /// </summary>
    public string? KeyDirectory { get; init; }

    /// <summary>Serves HTTPS with this certificate (Url must then be https://...).</summary>
    public X509Certificate2? Certificate { get; init; }

    public bool RequireAuthentication => Tokens is not null;
}
