using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Provider.Monitor.Storage;
using Provider.Nodes.Apply;

namespace Provider.Monitor.Collection;

/// <summary>The collect script's output was cut off or malformed: the cycle is discarded (nothing stored, cursors kept).</summary>
public sealed class CollectOutputException(string message) : Exception(message);

/// <summary>Turns the collect script's output (see collect.sh) into a <see cref="NodeCycle"/>. Pure: unit-tested without a node.</summary>
public static class CollectOutput
{
    public static NodeCycle Parse(CollectTarget target, string text, ImmutableSortedDictionary<string, string> cursors, DateTimeOffset now)
    {
        var lines = text.Split('\n');
        if (!lines.Any(l => l == "@@end"))
        {
            throw new CollectOutputException($"node '{target.Node}': the collection output was cut off (no end marker after {text.Length} characters)");
        }

        var node = new Dictionary<string, string>(StringComparer.Ordinal);
        var failed = ImmutableArray.CreateBuilder<string>();
        var generations = new StringBuilder();
        var envState = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var deploys = new Dictionary<string, ImmutableArray<EnvironmentStage.HistoryEntry>>(StringComparer.Ordinal);
        var certs = ImmutableArray.CreateBuilder<CertificateInfo>();
        var logs = ImmutableArray.CreateBuilder<LogLine>();
        var next = cursors.ToBuilder();
        string section = "";
        Dictionary<string, string>? env = null;

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (!line.StartsWith("@@", StringComparison.Ordinal))
            {
                switch (section)
                {
                    case "node":
                        var sp = line.IndexOf(' ', StringComparison.Ordinal);
                        if (line.StartsWith("failed ", StringComparison.Ordinal))
                        {
                            failed.Add(line[7..]);
                        }
                        else if (sp > 0)
                        {
                            node[line[..sp]] = line[(sp + 1)..];
                        }

                        break;
                    case "generations":
                        generations.Append(line).Append('\n');
                        break;
                    case "env" when env is not null && line.IndexOf('=', StringComparison.Ordinal) is var eq and > 0:
                        env[line[..eq]] = line[(eq + 1)..];
                        break;
                }

                continue;
            }

            var head = line[2..].Split(' ');
            section = head[0];
            switch (section)
            {
                case "env":
                    envState[head[1]] = env = new Dictionary<string, string>(StringComparer.Ordinal);
                    break;
                case "deploys":
                    var dl = Take(lines, ref i, Count(head, 2, line));
                    deploys[head[1]] = EnvironmentStage.ParseHistory(string.Join('\n', dl));
                    break;
                case "cert":
                    // @@cert VHOST NOTAFTER|- PLACEHOLDER MTIME: the mtime and expiry become the cursor that spares openssl next cycle.
                    var readable = long.TryParse(head[2], NumberStyles.None, CultureInfo.InvariantCulture, out var end);
                    certs.Add(new CertificateInfo(head[1], readable ? DateTimeOffset.FromUnixTimeSeconds(end) : null, head[3] == "1"));
                    if (readable && head.Length > 4)
                    {
                        next[CollectTarget.FileKey("cert", head[1])] = head[4] + ":" + head[2];
                    }

                    break;
                case "journal":
                    foreach (var j in Take(lines, ref i, Count(head, 1, line)))
                    {
                        if (Journal(target, j, now) is { } entry)
                        {
                            logs.Add(entry.Line);
                            next[CollectTarget.JournalKey] = entry.Cursor;
                        }
                    }

                    break;
                case "file":
                    // @@file KIND VHOST INODE OFFSET BYTES LINES
                    var (kind, vhost) = (head[1], head[2]);
                    var owner = target.Vhosts.FirstOrDefault(v => v.Name == vhost)?.Owner;
                    foreach (var l in Take(lines, ref i, Count(head, 6, line)))
                    {
                        logs.Add(kind == "access" ? Access(target.Node, owner, vhost, l, now) : Error(target.Node, owner, vhost, l, now));
                    }

                    next[CollectTarget.FileKey(kind, vhost)] = head[3] + ":" + (long.Parse(head[4], CultureInfo.InvariantCulture) + long.Parse(head[5], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture);
                    break;
                case "gap":
                    // @@gap KIND VHOST INODE OFFSET: the file was rotated away (or truncated) before the monitor read all of it.
                    logs.Add(new LogLine(target.Node, target.Vhosts.FirstOrDefault(v => v.Name == head[2])?.Owner, $"nginx-{head[1]}:{head[2]}", now, 4,
                        $"hostenv monitor: the {head[1]} log of {head[2]} was rotated away or truncated before everything after offset {head[4]} (inode {head[3]}) was read; those lines were not collected"));
                    break;
            }
        }

        var history = GenerationHistory.Parse(generations.ToString());
        var events = ImmutableArray.CreateBuilder<DeployEvent>();
        foreach (var e in history.Events)
        {
            events.Add(new DeployEvent(target.Node, "(system)", DateTimeOffset.FromUnixTimeSeconds(e.Time), history.SwitchLabel(e), "", e.Reason, null));
        }

        foreach (var (user, entries) in deploys)
        {
            events.AddRange(entries.Select(h => new DeployEvent(target.Node, user, DateTimeOffset.FromUnixTimeSeconds(h.Time), h.Release, h.Rev, h.Outcome, double.IsNaN(h.Seconds) ? null : h.Seconds)));
        }

        var nginxFailed = failed.Any(f => f == "nginx.service");
        var environments = target.Environments.Select(e => Environment(e, envState.GetValueOrDefault(e.UserName) ?? [], deploys.GetValueOrDefault(e.UserName, []), nginxFailed));
        var load = Words(node, "load");
        var mem = Words(node, "mem");
        var disk = Words(node, "disk");
        var snapshot = new NodeSnapshot(target.Node, now, true, null, history.Current, history.Generations.FirstOrDefault(g => g.IsCurrent)?.Number,
            Double(load, 0), Double(load, 1), Double(load, 2),
            Long(mem, 0) * 1024, Long(mem, 1) * 1024, Long(disk, 0), Long(disk, 1), Long(disk, 2), Long(disk, 3),
            failed.ToImmutable(), certs.ToImmutable(), [.. environments],
            [.. history.Generations.Where(g => g.Present).OrderByDescending(g => g.Number).Select(g => new GenerationEntry(g.Number, g.Id, g.IsCurrent))]);
        return new NodeCycle(snapshot, events.ToImmutable(), logs.ToImmutable(), next.ToImmutable());
    }

    private static EnvironmentSnapshot Environment(CollectedEnvironment e, Dictionary<string, string> state, ImmutableArray<EnvironmentStage.HistoryEntry> deploys, bool nginxFailed)
    {
        var release = state.GetValueOrDefault("release");
        var active = state.GetValueOrDefault("active");
        int? http = int.TryParse(state.GetValueOrDefault("http"), NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : null;
        var health = release is null ? Health.NotDeployed
            : nginxFailed ? Health.Down
            : e.Kind != "app" ? Health.Healthy
            : active != "active" || http is null or 0 or >= 500 ? Health.Down
            : http >= 400 ? Health.Degraded
            : Health.Healthy;
        var last = deploys.IsEmpty ? null : deploys[^1];
        return new EnvironmentSnapshot(e.UserName, e.Kind, release, state.GetValueOrDefault("rev"), state.GetValueOrDefault("slot"),
            e.Kind == "app" ? active ?? (release is null ? "not deployed" : null) : null, http, health,
            last is null ? null : DateTimeOffset.FromUnixTimeSeconds(last.Time), last?.Outcome);
    }

    private static string[] Take(string[] lines, ref int i, int count)
    {
        if (i + count >= lines.Length)
        {
            throw new CollectOutputException($"a section promised {count} lines but the output ends after {lines.Length - i - 1}");
        }

        var taken = lines[(i + 1)..(i + 1 + count)];
        i += count;
        return taken;
    }

    private static int Count(string[] head, int index, string line) =>
        head.Length > index && int.TryParse(head[index], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
            : throw new CollectOutputException($"malformed section header '{line}'");

    private static string[] Words(Dictionary<string, string> node, string key) =>
        node.GetValueOrDefault(key)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static double? Double(string[] words, int i) =>
        words.Length > i && double.TryParse(words[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? Long(string[] words, int i) =>
        words.Length > i && long.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>One `journalctl -o json` line: the message (text, or bytes when not UTF-8), priority, unit, time and cursor.</summary>
    private static (LogLine Line, string Cursor)? Journal(CollectTarget target, string json, DateTimeOffset now)
    {
        if (json.Length == 0)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        var cursor = r.TryGetProperty("__CURSOR", out var c) ? c.GetString() : null;
        if (cursor is null)
        {
            return null;
        }

        var message = r.TryGetProperty("MESSAGE", out var m) ? m.ValueKind switch
        {
            JsonValueKind.String => m.GetString() ?? "",
            JsonValueKind.Array => Encoding.UTF8.GetString([.. m.EnumerateArray().Where(b => b.ValueKind == JsonValueKind.Number).Select(b => (byte)b.GetInt32())]),
            _ => "",
        } : "";
        var unit = r.TryGetProperty("_SYSTEMD_UNIT", out var u) ? u.GetString() ?? "" : "";
        var level = r.TryGetProperty("PRIORITY", out var p) && int.TryParse(p.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var pr) ? pr : 6;
        var time = r.TryGetProperty("__REALTIME_TIMESTAMP", out var t) && long.TryParse(t.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var us)
            ? DateTimeOffset.FromUnixTimeMilliseconds(us / 1000) : now;
        return (new LogLine(target.Node, target.EnvironmentOfUnit(unit), "journal:" + unit, time, level, message.TrimEnd('\n')), cursor);
    }

    /// <summary>An access line in the 'hostenv' format: "$msec $status $request_time $body_bytes_sent "$request" ..."</summary>
    internal static LogLine Access(string node, string? env, string vhost, string line, DateTimeOffset now)
    {
        var parts = line.Split(' ', 3);
        if (parts.Length == 3 && decimal.TryParse(parts[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var msec)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            return new LogLine(node, env, "nginx-access:" + vhost, DateTimeOffset.FromUnixTimeMilliseconds((long)(msec * 1000)),
                status >= 500 ? 3 : status >= 400 ? 4 : 6, line[(parts[0].Length + 1)..], status);
        }

        return new LogLine(node, env, "nginx-access:" + vhost, now, 6, line);
    }

    private static readonly string[] NginxLevels = ["emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"];

    /// <summary>An error-log line: "2026/11/29 15:00:00 [error] 12#12: *3 message" (the node's clock, which hostenv nodes keep in UTC).</summary>
    internal static LogLine Error(string node, string? env, string vhost, string line, DateTimeOffset now)
    {
        var open = line.IndexOf(" [", StringComparison.Ordinal);
        var close = open < 0 ? -1 : line.IndexOf("] ", open, StringComparison.Ordinal);
        if (open == 19 && close > open && DateTime.TryParseExact(line[..19], "yyyy/MM/dd HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
        {
            var level = Array.IndexOf(NginxLevels, line[(open + 2)..close]);
            return new LogLine(node, env, "nginx-error:" + vhost, new DateTimeOffset(time, TimeSpan.Zero), level < 0 ? 3 : level, line[(close + 2)..]);
        }

        return new LogLine(node, env, "nginx-error:" + vhost, now, 3, line);
    }
}
