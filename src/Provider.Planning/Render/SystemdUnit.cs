using System.Collections.Immutable;
using System.Text;

namespace Provider.Planning.Render;

/// <summary>One unit setting. Literal settings (CPUQuota=50%) are not specifier-expanded by systemd; the rest are.</summary>
public sealed record UnitSetting(string Key, string Value, bool Literal = false)
{
    /// <summary>A value built only from safe parts that uses specifiers on purpose (%i of a template unit): written as is.</summary>
    public static UnitSetting WithSpecifiers(string key, string value) => new(key, value) { Specifiers = true };

    public bool Specifiers { get; private init; }
}

/// <summary>A systemd unit file as data. Values are escaped in <see cref="Write"/> only.</summary>
public sealed record SystemdUnit(ImmutableArray<(string Section, ImmutableArray<UnitSetting> Settings)> Sections)
{
    /// <summary>Settings systemd reads without %-specifier expansion.</summary>
    public static readonly ImmutableHashSet<string> LiteralKeys = ["CPUQuota", "MemoryMax", "OnCalendar", "RandomizedDelaySec", "Persistent", "Type", "WantedBy", "Slice"];

    public string Write()
    {
        var sb = new StringBuilder();
        foreach (var (section, settings) in Sections)
        {
            if (sb.Length > 0)
            {
                sb.Append('\n');
            }

            sb.Append('[').Append(section).Append("]\n");
            foreach (var s in settings)
            {
                sb.Append(s.Key).Append('=').Append(Escape(s.Value, s.Literal || s.Specifiers || LiteralKeys.Contains(s.Key))).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>A literal % is written %% where systemd expands specifiers. Line breaks are refused everywhere.</summary>
    public static string Escape(string value, bool literal) =>
        value.Any(c => c is '\n' or '\r' or '\0')
            ? throw new ArgumentException("a systemd setting cannot contain a line break", nameof(value))
            : literal ? value : value.Replace("%", "%%", StringComparison.Ordinal);
}
