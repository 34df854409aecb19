using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Provider.Monitor.Storage;
using Provider.Monitor.Web.Html;
using static Provider.Monitor.Web.Html.Markup;

namespace Provider.Monitor.Web.Pages;

/// <summary>Small inline SVG charts drawn on the server (no script, no library).</summary>
public static class Charts
{
    private const double Width = 600;
    private const double Height = 120;

    /// <summary>Requests per minute as a line and 5xx per minute as bars, one slot per minute from since to now.</summary>
    public static Markup RequestRates(ImmutableArray<RequestBucket> buckets, DateTimeOffset since, DateTimeOffset now)
    {
        var first = Minute(since);
        var slots = Math.Max(1, (int)(Minute(now) - first).TotalMinutes + 1);
        var requests = new int[slots];
        var errors = new int[slots];
        foreach (var b in buckets.IsDefault ? ImmutableArray<RequestBucket>.Empty : buckets)
        {
            var i = (int)(Minute(b.Minute) - first).TotalMinutes;
            if (i >= 0 && i < slots)
            {
                requests[i] += b.Requests;
                errors[i] += b.Errors;
            }
        }

        var max = Math.Max(1, requests.Max());
        var step = Width / slots;
        var line = Points(requests.Select(r => (double)r).ToArray(), max, step);
        var bars = errors.Select((e, i) => e == 0 ? Empty : Bar(i * step, step, e, max));
        var summary = FormattableString.Invariant(
            $"Since {Format.Utc(since)}: {requests.Sum()} requests (peak {requests.Max()} per minute), {errors.Sum()} answered 5xx (peak {errors.Max()} per minute).");
        return H($"""
            <figure class="chart">
            <svg viewBox="0 0 {Width} {Height}" width="100%" height="{Height}" preserveAspectRatio="none" role="img" aria-label="{summary}" data-chart="requests">
            <line class="axis" x1="0" y1="{Height}" x2="{Width}" y2="{Height}"/>
            {bars}
            <polyline class="requests" points="{line}"/>
            </svg>
            <figcaption><span class="key key-requests">requests/min</span> <span class="key key-errors">5xx/min</span> (scale 0 to {max}). {summary}</figcaption>
            </figure>
            """);
    }

    /// <summary>A tiny line over values in time order (a node's load over its recent snapshots).</summary>
    public static Markup Sparkline(IReadOnlyList<double> values, string label)
    {
        if (values.Count < 2)
        {
            return Empty;
        }

        var max = Math.Max(values.Max(), 0.01);
        var points = Points([.. values], max, Width / (values.Count - 1));
        return H($"""<svg class="sparkline" viewBox="0 0 {Width} {Height}" width="120" height="24" preserveAspectRatio="none" role="img" aria-label="{label}"><polyline points="{points}"/></svg>""");
    }

    private static Markup Bar(double x, double width, int value, int max)
    {
        var h = Height * value / max;
        return H($"""<rect class="errors" x="{x:0.##}" y="{Height - h:0.##}" width="{Math.Max(1, width - 1):0.##}" height="{h:0.##}"/>""");
    }

    private static string Points(double[] values, double max, double step)
    {
        var text = new StringBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            // A margin of 2 units keeps a line at 0 or at the maximum from being cut in half by the edge.
            var y = Height - 2 - ((Height - 4) * values[i] / max);
            text.Append(CultureInfo.InvariantCulture, $"{i * step:0.##},{y:0.##} ");
        }

        return text.ToString().TrimEnd();
    }

    private static DateTimeOffset Minute(DateTimeOffset t)
    {
        var u = t.ToUniversalTime();
        return new DateTimeOffset(u.Year, u.Month, u.Day, u.Hour, u.Minute, 0, TimeSpan.Zero);
    }
}
