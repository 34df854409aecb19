using System.Collections.Immutable;
using System.Globalization;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;

namespace Provider.Nodes.Fleet;

public sealed record NodeCheck(string Name, bool Ok, string Detail);

public sealed record NodeHealth(string Node, string Address, bool Reachable, ImmutableArray<NodeCheck> Checks, string? Error)
{
    public bool Healthy => Reachable && Checks.All(c => c.Ok);
}

/// <summary>`node check`: reachability, OS, systemd, nginx, free disk, clock skew and sudo, from one SSH round trip.</summary>
public static class NodeProbe
{
    public const long MinFreeBytes = 1L << 30;
    public static readonly TimeSpan MaxSkew = TimeSpan.FromSeconds(30);

    /// <param name="needsContainers">The plan has compose environments on the node: the container engine must run.</param>
    /// <param name="runtimes">The runtimes the plan puts on the node (app.preset): each is a check of its own.</param>
    public static async Task<NodeHealth> CheckAsync(SshTarget target, string keyPath, TimeProvider clock, CancellationToken ct, bool needsContainers = false,
        ImmutableArray<string> runtimes = default)
    {
        try
        {
            await using var session = await SshNodeSession.ConnectAsync(target, keyPath, ct);
            var before = clock.GetUtcNow();
            var r = await session.RunAsync(RemoteScripts.Command("node-probe.sh"), TimeSpan.FromSeconds(30), ct);
            var after = clock.GetUtcNow();
            var values = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.Ordinal);
            string V(string k) => values.GetValueOrDefault(k, "");

            var checks = ImmutableArray.CreateBuilder<NodeCheck>();
            checks.Add(new NodeCheck("os", V("os").Contains("Debian", StringComparison.Ordinal) || V("os").Contains("Ubuntu", StringComparison.Ordinal), V("os")));
            checks.Add(new NodeCheck("systemd", V("systemd") is "running" or "degraded", V("systemd").Length == 0 ? "not running" : V("systemd")));
            checks.Add(new NodeCheck("nginx", V("nginx").Length > 0, V("nginx").Length == 0 ? "not installed (run node bootstrap)" : V("nginx")));
            var freeKb = long.TryParse(V("disk"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb : 0;
            checks.Add(new NodeCheck("disk", freeKb * 1024 >= MinFreeBytes, $"{freeKb / 1024.0 / 1024.0:F1} GiB free on /"));
            var remote = double.TryParse(V("clock"), NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) ? DateTimeOffset.FromUnixTimeMilliseconds((long)(secs * 1000)) : (DateTimeOffset?)null;
            var skew = remote is { } t ? t - (before + ((after - before) / 2)) : TimeSpan.MaxValue;
            checks.Add(new NodeCheck("clock", remote is not null && skew.Duration() <= MaxSkew, remote is null ? "unreadable" : $"skew {skew.TotalSeconds:+0.0;-0.0} s"));
            checks.Add(new NodeCheck("sudo", V("sudo") == "yes" || target.User == "root", target.User == "root" ? "root login" : V("sudo") == "yes" ? "passwordless" : "sudo -n failed: the deploy user needs NOPASSWD sudo"));
            // The container engine: checked where it is installed, and required where the plan has compose environments.
            if (V("docker").Length > 0 || needsContainers)
            {
                var docker = V("docker");
                var running = docker.StartsWith("active ", StringComparison.Ordinal) && !docker.EndsWith(" unanswered", StringComparison.Ordinal);
                checks.Add(new NodeCheck("containers", !needsContainers || (running && V("compose").Length > 0),
                    docker.Length == 0 ? "docker is not installed; the plan has compose environments here: run node bootstrap"
                    : !running ? $"docker.service is {docker.Split(' ')[0]}{(needsContainers ? " (run node bootstrap)" : "")}"
                    : V("compose").Length == 0 ? $"docker {docker.Split(' ')[1]} runs; no compose (install docker-compose)"
                    : $"docker {docker.Split(' ')[1]} running, compose {V("compose")}"));
            }

            foreach (var runtime in runtimes.IsDefault ? [] : runtimes)
            {
                var version = V("runtime-" + runtime);
                checks.Add(new NodeCheck(runtime, version.Length > 0, version.Length > 0 ? version
                    : $"not installed, and the plan needs it (run node bootstrap: {string.Join(" ", Planning.Model.Runtimes.Packages(runtime))})"));
            }

            return new NodeHealth(target.Node, target.Host, true, checks.ToImmutable(), null);
        }
        catch (NodeConnectionException ex)
        {
            return new NodeHealth(target.Node, target.Host, false, [], ex.Message);
        }
    }
}
