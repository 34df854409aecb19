using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Provider.Monitor.Web.Query;

/// <summary>
/// Reads typed values from a query string, collecting a <see cref="ParameterProblem"/> for each bad one instead of
/// throwing. Empty parameters count as absent (an HTML form submits its empty fields).
/// </summary>
public sealed partial class QueryReader(IQueryCollection query, DateTimeOffset now)
{
    private static readonly string[] LevelNames = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];
    private readonly List<ParameterProblem> problems = [];

    public IReadOnlyList<ParameterProblem> Problems => problems;

    public string? Text(string name)
    {
        var value = query[name].ToString().Trim();
        return value.Length == 0 ? null : value;
    }

    /// <summary>A count from 1 up; larger values than max are lowered to max (a cap, not an error).</summary>
    public int Limit(string name, int fallback, int max)
    {
        var value = Whole(name, $"a whole number of at least 1 (at most {max} are returned)", $"{name}=100");
        return value is null ? fallback : (int)Math.Min(value.Value, max);
    }

    public long? Id(string name) => Whole(name, "a line id (a whole number from 1, as given by nextBeforeId)", $"{name}=12345");

    private long? Whole(string name, string expected, string example)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            problems.Add(new(name, $"'{text}' is not {expected}.", example));
            return null;
        }

        return value;
    }

    /// <summary>A point in time: an age back from now ("15m", "1h", "2d"; also s and w) or an ISO-8601 time (UTC unless it says otherwise).</summary>
    public DateTimeOffset? Time(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        var duration = DurationPattern().Match(text);
        if (duration.Success && long.TryParse(duration.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            var unit = duration.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(1),
                "m" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                "d" => TimeSpan.FromDays(1),
                _ => TimeSpan.FromDays(7),
            };
            if (amount <= 3650L * 24 * 3600 / (long)unit.TotalSeconds)
            {
                return now - (unit * amount);
            }
        }
        else if (IsoPattern().IsMatch(text) && DateTimeOffset.TryParse(
            text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        problems.Add(new(name, $"'{text}' is neither an age (a number and s, m, h, d or w, at most ten years) nor an ISO-8601 time.", $"{name}=15m or {name}=2025-01-31T12:00:00Z"));
        return null;
    }

    /// <summary>A syslog level as its number (0 to 7) or name; lines at this level and more severe match.</summary>
    public int? Level(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 0 and <= 7)
        {
            return number;
        }

        var named = text.ToLowerInvariant() switch
        {
            "emergency" or "panic" => 0,
            "critical" => 2,
            "error" => 3,
            "warn" => 4,
            var other => Array.IndexOf(LevelNames, other),
        };
        if (named >= 0)
        {
            return named;
        }

        problems.Add(new(name, $"'{text}' is not a syslog level: 0 to 7 or one of {string.Join(", ", LevelNames)}.", $"{name}=warning"));
        return null;
    }

    public static string LevelName(int level) => level is >= 0 and <= 7 ? LevelNames[level] : level.ToString(CultureInfo.InvariantCulture);

    public static IReadOnlyList<string> AllLevelNames => LevelNames;

    [GeneratedRegex("^([0-9]{1,9})([smhdw])$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}")]
    private static partial Regex IsoPattern();
}
