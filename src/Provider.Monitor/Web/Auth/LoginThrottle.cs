using System.Net;
using System.Threading.RateLimiting;

namespace Provider.Monitor.Web.Auth;

/// <summary>
/// Failed logins per remote address: <see cref="Limit"/> in a <see cref="Window"/>, then the address waits for the
/// window's end. Only failures use up the allowance (a person who types the right token is never held back), so
/// this is a limiter from System.Threading.RateLimiting asked directly rather than the per-endpoint middleware.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    public const int Limit = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Limit,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Null when the address may try; otherwise how long it must wait.</summary>
    public TimeSpan? Blocked(IPAddress? address)
    {
        // Zero permits asks whether any are left without using one.
        using var lease = limiter.AttemptAcquire(Key(address), 0);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : Window;
    }

    public void RecordFailure(IPAddress? address)
    {
        using var lease = limiter.AttemptAcquire(Key(address), 1);
    }

    public void Dispose() => limiter.Dispose();

    private static string Key(IPAddress? address) => address?.ToString() ?? "unknown";
}
