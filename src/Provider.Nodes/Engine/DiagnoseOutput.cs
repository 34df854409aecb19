using System.Collections.Immutable;
using System.Globalization;
using Provider.Nodes.Apply;

namespace Provider.Nodes.Engine;

/// <summary>A filesystem as df saw it (bytes and inodes).</summary>
public sealed record FilesystemFacts(string Target, long Size, long Available, long Inodes, long InodesFree);

/// <summary>A vhost's certificate on the node: its notAfter (unix seconds; null when there is no readable certificate) and whether it is hostenv's placeholder.</summary>
public sealed record CertificateFacts(string Vhost, long? NotAfter, bool Placeholder);

/// <summary>One environment on its node, as diagnose.sh saw it.</summary>
public sealed record EnvironmentFacts(string User)
{
    public string? Release { get; init; }
    public string? Slot { get; init; }
    public long? LastDeploy { get; init; }
    public ImmutableArray<string>? SecretNames { get; init; }
    public string? Active { get; init; }
    public string? SubState { get; init; }
    public string? Result { get; init; }
    public int Restarts { get; init; }
    public int OomLines { get; init; }
    public ImmutableArray<string> Log { get; init; } = [];
    public int DriftCount { get; init; }
    public bool ManifestMissing { get; init; }
    public ImmutableArray<DriftEntry> Drift { get; init; } = [];
}

/// <summary>Everything diagnose.sh reported for one node.</summary>
public sealed record NodeFacts
{
    public double? StartTime { get; init; }
    public double? EndTime { get; init; }
    public long? MemTotalKb { get; init; }
    public long? MemAvailableKb { get; init; }
    public double? PressureAvg60 { get; init; }
    public ImmutableArray<FilesystemFacts> Filesystems { get; init; } = [];
    public ImmutableArray<string> FailedUnits { get; init; } = [];
    public int? NginxExit { get; init; }
    public ImmutableArray<string> NginxOutput { get; init; } = [];
    public (long AgeSeconds, string Owner)? Lock { get; init; }
    public ImmutableSortedDictionary<string, EnvironmentFacts> Environments { get; init; } = ImmutableSortedDictionary<string, EnvironmentFacts>.Empty;
    public ImmutableArray<CertificateFacts> Certificates { get; init; } = [];

    /// <summary>Every compose container of the node (read only when an environment there runs a compose project).</summary>
    public ImmutableArray<ComposeContainer> Containers { get; init; } = [];

    /// <summary>Whether the output ended with "@@end" (otherwise it was cut off and only what arrived is judged).</summary>
    public bool Complete { get; init; }
}

/// <summary>Parses diagnose.sh's output (see that file for the format). Unknown lines are ignored, so an older parser reads a newer script.</summary>
public static class DiagnoseOutput
{
    public static NodeFacts Parse(string text)
    {
        var facts = new NodeFacts();
        var filesystems = ImmutableArray.CreateBuilder<FilesystemFacts>();
        var failed = ImmutableArray.CreateBuilder<string>();
        var nginx = ImmutableArray.CreateBuilder<string>();
        var certs = ImmutableArray.CreateBuilder<CertificateFacts>();
        var envs = ImmutableSortedDictionary.CreateBuilder<string, EnvironmentFacts>(StringComparer.Ordinal);
        EnvironmentFacts? env = null;
        List<string> log = [];
        List<DriftEntry> drift = [];
        List<string> containers = [];

        void CloseEnv()
        {
            if (env is not null)
            {
                envs[env.User] = env with { Log = [.. log], Drift = [.. drift] };
            }

            env = null;
            log = [];
            drift = [];
        }

        var section = "";
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("@@", StringComparison.Ordinal))
            {
                CloseEnv();
                var head = line[2..].Split(' ', 2);
                section = head[0];
                var rest = head.Length > 1 ? head[1] : "";
                switch (section)
                {
                    case "env":
                        env = new EnvironmentFacts(rest.Trim());
                        break;
                    case "cert" when rest.Split(' ') is [var name, var end, var placeholder]:
                        certs.Add(new CertificateFacts(name, long.TryParse(end, NumberStyles.Integer, CultureInfo.InvariantCulture, out var e) ? e : null, placeholder == "1"));
                        break;
                    case "end":
                        facts = facts with { Complete = true, EndTime = Double(rest) };
                        break;
                }

                continue;
            }

            if (section == "compose")
            {
                containers.Add(line);
                continue;
            }

            var (key, value) = line.IndexOf(section == "env" ? '=' : ' ', StringComparison.Ordinal) is var i and > 0 ? (line[..i], line[(i + 1)..]) : (line, "");
            if (section == "env" && env is not null)
            {
                if (line.StartsWith("log ", StringComparison.Ordinal))
                {
                    log.Add(line[4..]);
                    continue;
                }

                if (line.StartsWith("drift ", StringComparison.Ordinal))
                {
                    if (DriftEntry.Parse(line[6..]) is { } d)
                    {
                        drift.Add(d);
                    }

                    continue;
                }

                env = key switch
                {
                    "release" => env with { Release = Empty(value) },
                    "slot" => env with { Slot = Empty(value) },
                    "lastdeploy" => env with { LastDeploy = Long(value) },
                    "secretnames" => env with { SecretNames = [.. value.Split(' ', StringSplitOptions.RemoveEmptyEntries)] },
                    "active" => env with { Active = Empty(value) },
                    "sub" => env with { SubState = Empty(value) },
                    "result" => env with { Result = Empty(value) },
                    "nrestarts" => env with { Restarts = (int)(Long(value) ?? 0) },
                    "oom" => env with { OomLines = (int)(Long(value) ?? 0) },
                    "driftcount" => env with { DriftCount = (int)(Long(value) ?? 0) },
                    "manifest" => env with { ManifestMissing = value == "missing" },
                    _ => env,
                };
                continue;
            }

            if (section != "node")
            {
                continue;
            }

            var f = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (key)
            {
                case "time":
                    facts = facts with { StartTime = Double(value) };
                    break;
                case "mem" when f.Length == 2:
                    facts = facts with { MemTotalKb = Long(f[0]), MemAvailableKb = Long(f[1]) };
                    break;
                case "psi" when f.Length == 2:
                    facts = facts with { PressureAvg60 = Double(f[1]) };
                    break;
                case "df" when f.Length == 5 && Long(f[1]) is { } size && Long(f[2]) is { } avail:
                    filesystems.Add(new FilesystemFacts(f[0], size, avail, Long(f[3]) ?? 0, Long(f[4]) ?? 0));
                    break;
                case "failed" when value.Length > 0:
                    failed.Add(value.Trim());
                    break;
                case "nginx":
                    facts = facts with { NginxExit = (int?)Long(value) };
                    break;
                case "nginxout":
                    nginx.Add(value);
                    break;
                case "lock" when value.Split(' ', 2) is [var age, .. var owner] && Long(age) is { } seconds:
                    facts = facts with { Lock = (seconds, owner.FirstOrDefault() ?? "") };
                    break;
            }
        }

        CloseEnv();
        return facts with
        {
            Filesystems = filesystems.ToImmutable(),
            FailedUnits = failed.ToImmutable(),
            NginxOutput = nginx.ToImmutable(),
            Certificates = certs.ToImmutable(),
            Environments = envs.ToImmutable(),
            Containers = ComposeContainers.Parse(string.Join('\n', containers)),
        };
    }

    private static string? Empty(string s) => s.Trim() is { Length: > 0 } t ? t : null;

    private static long? Long(string s) => long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static double? Double(string s) => double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}
