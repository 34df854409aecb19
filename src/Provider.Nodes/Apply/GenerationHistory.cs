using System.Collections.Immutable;
using System.Globalization;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;

namespace Provider.Nodes.Apply;

/// <summary>One system generation on a node: its number (order of arrival), its content hash and what happened to it.</summary>
public sealed record GenerationInfo(int Number, string Id, bool Present, bool IsCurrent, bool Confirmed, bool RolledBack, long? LastActivated);

/// <summary>One line of the node's switch.log: when `current` moved, to what, and why (deploy, rollback, watchdog:ID, confirmed).</summary>
public sealed record SwitchEvent(long Time, string Generation, string Reason);

/// <summary>
/// The node's own record of its system generations: generations.index (number → id, appended when a
/// generation is unpacked), switch.log (every switch and every confirmation) and the `current` link.
/// </summary>
public sealed record GenerationHistory(string? Current, ImmutableArray<GenerationInfo> Generations, ImmutableArray<SwitchEvent> Events)
{
    public const string Root = "/var/lib/hostenv";

    /// <summary>Generations kept on a node besides the current one and the newest confirmed one before it.</summary>
    public const int Keep = 10;

    public static async Task<GenerationHistory> ReadAsync(SshNodeSession session, CancellationToken ct)
    {
        var r = await session.RunAsync(RemoteScripts.Command("generations-read.sh", Root).AsRoot(), TimeSpan.FromSeconds(60), ct);
        if (!r.Success)
        {
            throw new DeployStepException("read generations", (r.Stderr + r.Stdout).Trim());
        }

        return Parse(r.Stdout);
    }

    /// <summary>Parses the read script's output (pure, so the rules are unit-tested without a node).</summary>
    public static GenerationHistory Parse(string text)
    {
        string? current = null;
        var index = new List<(int Number, string Id)>();
        var events = ImmutableArray.CreateBuilder<SwitchEvent>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (parts[0])
            {
                case "current" when parts.Length == 2 && parts[1] != "current" && parts[1] != "none":
                    current = parts[1];
                    break;
                case "index" when parts.Length >= 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                    index.Add((n, parts[2]));
                    break;
                case "log" when parts.Length >= 4 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t):
                    events.Add(new SwitchEvent(t, parts[2], parts[3]));
                    break;
                case "present" when parts.Length == 2:
                    present.Add(parts[1]);
                    break;
            }
        }

        var evs = events.ToImmutable();
        var numbered = index.GroupBy(i => i.Id, StringComparer.Ordinal).Select(g => g.Min(i => i.Number) is var num ? (num, g.Key) : default).ToList();
        // A generation on disk but missing from the index (written by an older tool) still counts, after the numbered ones.
        var next = numbered.Count == 0 ? 1 : numbered.Max(x => x.num) + 1;
        foreach (var id in present.Where(p => numbered.All(x => x.Key != p)).Order(StringComparer.Ordinal))
        {
            numbered.Add((next++, id));
        }

        // Positions in the log order events (seconds can tie): rolled back = the watchdog's last word on it came after its last confirmation.
        int Last(Func<SwitchEvent, bool> match)
        {
            for (var i = evs.Length - 1; i >= 0; i--)
            {
                if (match(evs[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        var generations = numbered.OrderBy(x => x.num).Select(x =>
        {
            var confirmedAt = Last(e => e.Generation == x.Key && e.Reason == "confirmed");
            var watchdogAt = Last(e => e.Reason == "watchdog:" + x.Key);
            var activatedAt = Last(e => e.Generation == x.Key && e.Reason != "confirmed");
            return new GenerationInfo(x.num, x.Key, present.Contains(x.Key), x.Key == current, confirmedAt >= 0, watchdogAt > confirmedAt,
                activatedAt >= 0 ? evs[activatedAt].Time : null);
        });
        return new GenerationHistory(current, [.. generations], evs);
    }

    /// <summary>
    /// The generation `rollback` returns to: with `to`, the one with that number or id prefix; without, the
    /// newest confirmed generation other than the current one that is still on the node (a generation the
    /// watchdog rolled back was never good).
    /// </summary>
    public GenerationInfo ResolveTarget(string? to)
    {
        if (to is not null)
        {
            var matches = int.TryParse(to, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? Generations.Where(g => g.Number == number).ToList()
                : Generations.Where(g => g.Id.StartsWith(to, StringComparison.OrdinalIgnoreCase)).ToList();
            return matches switch
            {
                [] => throw new GenerationNotFoundException($"no generation '{to}' on this node; kept generations: {Describe()}"),
                [var one] when !one.Present => throw new GenerationNotFoundException($"generation {one.Number} ({Short(one.Id)}) was removed from the node by retention; kept generations: {Describe()}"),
                [var one] => one,
                _ => throw new GenerationNotFoundException($"'{to}' matches {matches.Count} generations ({string.Join(", ", matches.Select(m => Short(m.Id)))}); give more of the id or its number"),
            };
        }

        var lastGood = Events.Reverse().Where(e => e.Reason == "confirmed" && e.Generation != Current)
            .Select(e => Generations.FirstOrDefault(g => g.Id == e.Generation && g.Present && !g.RolledBack)).FirstOrDefault(g => g is not null);
        return lastGood ?? throw new GenerationNotFoundException(
            $"the node has no earlier confirmed generation to return to (current: {(Current is null ? "none" : Short(Current))}); kept generations: {Describe()}");
    }

    /// <summary>What retention removes: present generations beyond the newest <see cref="Keep"/>, never the current one or the rollback target.</summary>
    public ImmutableArray<string> Expired(int keep = Keep)
    {
        var protectedIds = new HashSet<string>(StringComparer.Ordinal);
        if (Current is not null)
        {
            protectedIds.Add(Current);
        }

        try
        {
            protectedIds.Add(ResolveTarget(null).Id);
        }
        catch (GenerationNotFoundException)
        {
        }

        return [.. Generations.Where(g => g.Present).OrderByDescending(g => g.Number).Skip(keep).Where(g => !protectedIds.Contains(g.Id)).Select(g => g.Id)];
    }

    private string Describe()
    {
        var kept = Generations.Where(g => g.Present).Select(g => $"{g.Number} ({Short(g.Id)}{(g.IsCurrent ? ", current" : "")})").ToList();
        return kept.Count == 0 ? "none" : string.Join(", ", kept);
    }

    /// <summary>A generation id (or any content hash) as shown to people: its first 12 characters.</summary>
    public static string Short(string id) => id.Length > 12 ? id[..12] : id;

    /// <summary>How history lists the generation a switch went to: "gen N (short id)", or "none".</summary>
    public string SwitchLabel(SwitchEvent e)
    {
        var number = Generations.FirstOrDefault(g => g.Id == e.Generation)?.Number;
        return e.Generation == "none" ? "none" : $"gen {number?.ToString(CultureInfo.InvariantCulture) ?? "?"} ({Short(e.Generation)})";
    }
}

public sealed class GenerationNotFoundException(string message) : Exception(message);
