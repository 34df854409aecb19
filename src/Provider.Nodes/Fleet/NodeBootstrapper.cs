using System.Collections.Immutable;
using Provider.Nodes.Apply;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Model;
using Provider.Planning.Planner;
using Provider.Planning.Render;

namespace Provider.Nodes.Fleet;

public sealed record BootstrapStep(string Name, bool Changed, string Detail);

/// <summary>
/// `node bootstrap`: installs and enables what the apply stage needs, idempotently. Each step checks
/// first and changes only what is missing, so a second run reports nothing changed.
/// </summary>
public static class NodeBootstrapper
{
    public static readonly ImmutableArray<string> Packages = ["nginx", "lego", "rsync", "sudo", "curl", "ca-certificates"];

    public static readonly ImmutableArray<(string Path, string Mode)> Directories =
    [
        ("/etc/hostenv", "0755"),
        (HostenvPaths.OverridesRoot, "0750"),
        (GenerationHistory.Root, "0755"),
        ("/var/lib/hostenv/generations", "0711"),
        (EnvironmentStage.EnvsRoot, "0700"),
        (EnvironmentStage.BlobsRoot, "0700"),
        (NodeRenderer.SecretsRoot, "0711"),
        ("/var/lib/hostenv/acme", "0755"),
        (HostenvPaths.AcmeWebroot, "0755"),
        ("/var/lib/hostenv/releases", "0755"),
        (HostenvPaths.LogRoot, "0750"),
    ];

    /// <summary>The same parents (and modes) as each generation's tmpfiles: traversable by the environments and nginx, not listable.</summary>
    private const string TmpfilesConf = "d /run/hostenv 0755 root root -\nd /run/hostenv/user 0711 root root -\nd /run/hostenv/nginx 0711 root root -\n";

    /// <summary>The container engine: installed and enabled only on nodes whose plan hosts compose environments (plan nodes.N.containers).</summary>
    public static readonly ImmutableArray<string> ContainerPackages = ["docker.io", "docker-compose"];

    /// <param name="containers">The plan has compose environments on the node: the container engine is installed and enabled.</param>
    /// <param name="runtimes">
    /// What the plan says the node's environments need (plan.nodes.&lt;node&gt;.runtimes, from app.preset): their Debian
    /// packages are installed here and on no other node.
    /// </param>
    public static async Task<ImmutableArray<BootstrapStep>> RunAsync(SshNodeSession session, CancellationToken ct, bool containers = false, ImmutableArray<string> runtimes = default)
    {
        var steps = ImmutableArray.CreateBuilder<BootstrapStep>();
        var timeout = TimeSpan.FromSeconds(60);

        steps.Add(await EnsurePackagesAsync(session, "packages", containers ? Packages.AddRange(ContainerPackages) : Packages, ct));
        if (!runtimes.IsDefaultOrEmpty)
        {
            var step = await EnsurePackagesAsync(session, "runtimes", [.. runtimes.SelectMany(r => Runtimes.Packages(r))], ct);
            steps.Add(step with { Detail = string.Join(", ", runtimes) + " (" + step.Detail + ")" });
        }

        foreach (var (path, mode) in Directories)
        {
            var r = await session.RunAsync(RemoteScripts.Command("bootstrap-dir.sh", path, mode).AsRoot(), timeout, ct);
            Require(r, session, "create " + path);
            steps.Add(new BootstrapStep(path, r.Stdout.Trim() == "changed", mode));
        }

        var tmpfiles = await session.RunAsync(RemoteScripts.Command("bootstrap-tmpfiles.sh", TmpfilesConf).AsRoot(), timeout, ct);
        Require(tmpfiles, session, "install /etc/tmpfiles.d/hostenv.conf");
        steps.Add(new BootstrapStep("/run/hostenv (tmpfiles.d)", tmpfiles.Stdout.Trim() == "changed", "recreated at boot"));

        var nginx = await session.RunAsync(RemoteScripts.Command("bootstrap-nginx.sh").AsRoot(), timeout, ct);
        Require(nginx, session, "enable nginx");
        steps.Add(new BootstrapStep("nginx.service", nginx.Stdout.Trim() == "changed", "enabled and running"));
        if (containers)
        {
            var docker = await session.RunAsync(RemoteScripts.Command("bootstrap-docker.sh").AsRoot(), timeout, ct);
            Require(docker, session, "enable the container engine (docker.service)");
            steps.Add(new BootstrapStep("docker.service", docker.Stdout.Trim() == "changed", "enabled and running (the plan has compose environments on this node)"));
        }

        return steps.ToImmutable();
    }

    /// <summary>Installs the packages that are not installed yet (apt-get, one run); a second call changes nothing.</summary>
    private static async Task<BootstrapStep> EnsurePackagesAsync(SshNodeSession session, string name, ImmutableArray<string> packages, CancellationToken ct)
    {
        var missing = new List<string>();
        foreach (var p in packages)
        {
            var q = await session.RunAsync(RemoteCommand.Exec("dpkg-query", "-W", "-f=${Status}", p), TimeSpan.FromSeconds(60), ct);
            if (!q.Stdout.Contains("install ok installed", StringComparison.Ordinal))
            {
                missing.Add(p);
            }
        }

        if (missing.Count == 0)
        {
            return new BootstrapStep(name, false, "already installed: " + string.Join(", ", packages));
        }

        var install = await session.RunAsync(
            RemoteCommand.Shell("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \"$@\"", [.. missing]).AsRoot(),
            TimeSpan.FromMinutes(10), ct);
        if (!install.Success)
        {
            throw new NodeConnectionException($"installing {string.Join(", ", missing)} on node '{session.Target.Node}' failed: {install.Stderr.Trim()}");
        }

        return new BootstrapStep(name, true, "installed " + string.Join(", ", missing));
    }

    private static void Require(CommandResult r, SshNodeSession session, string what)
    {
        if (!r.Success)
        {
            throw new NodeConnectionException($"{what} on node '{session.Target.Node}' failed: {(r.Stderr + r.Stdout).Trim()}");
        }
    }
}
