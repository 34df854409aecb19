using System.Globalization;
using Provider.Monitor.Storage;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Html;

/// <summary>How values look on the pages: UTC times, relative ages, sizes, health. Invariant culture throughout.</summary>
public static class Format
{
    public static string Utc(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Iso(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Ago(DateTimeOffset time, DateTimeOffset now)
    {
        var age = now - time;
        if (age < TimeSpan.Zero)
        {
            return "in the future";
        }

        return age.TotalSeconds < 60 ? FormattableString.Invariant($"{(int)age.TotalSeconds} s ago")
            : age.TotalMinutes < 60 ? FormattableString.Invariant($"{(int)age.TotalMinutes} min ago")
            : age.TotalHours < 48 ? FormattableString.Invariant($"{(int)age.TotalHours} h ago")
            : FormattableString.Invariant($"{(int)age.TotalDays} d ago");
    }

    /// <summary>A &lt;time&gt; element with the UTC time and its age.</summary>
    public static Markup Time(DateTimeOffset? time, DateTimeOffset now) => time is { } t
        ? H($"""<time datetime="{Iso(t)}">{Utc(t)}</time> <span class="ago">({Ago(t, now)})</span>""")
        : H($"""<span class="none">never</span>""");

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    public static string Number(double? value, string format = "0.00") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    public static string Text(string? value) => string.IsNullOrEmpty(value) ? "–" : value;

    /// <summary>The value for data-health attributes and CSS classes.</summary>
    public static string HealthKey(Health health) => health switch
    {
        Health.Healthy => "healthy",
        Health.Degraded => "degraded",
        Health.Down => "down",
        Health.NotDeployed => "not-deployed",
        _ => "unknown",
    };

    public static string HealthLabel(Health health) => health == Health.NotDeployed ? "not deployed" : HealthKey(health);

    /// <summary>Colour, a symbol and the word: the state is never told by colour alone.</summary>
    public static Markup HealthBadge(Health health)
    {
        var symbol = health switch
        {
            Health.Healthy => "✓",
            Health.Degraded => "!",
            Health.Down => "✕",
            Health.NotDeployed => "–",
            _ => "?",
        };
        return H($"""<span class="badge health-{HealthKey(health)}"><span aria-hidden="true">{symbol}</span> {HealthLabel(health)}</span>""");
    }

    /// <summary>A used-of-total meter with the numbers beside it (meter needs no inline style, which the CSP forbids).</summary>
    public static Markup Usage(long? total, long? free, Func<long, string> show)
    {
        if (total is not { } t || free is not { } f || t <= 0)
        {
            return H($"""<span class="none">–</span>""");
        }

        var used = t - f;
        var fraction = (double)used / t;
        var percent = fraction.ToString("0%", CultureInfo.InvariantCulture);
        return H($"""<meter min="0" max="1" low="0.8" high="0.9" optimum="0" value="{fraction.ToString("0.000", CultureInfo.InvariantCulture)}">{percent}</meter> {percent} <span class="detail">({show(used)} of {show(t)})</span>""");
    }

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
