using System.Collections.Immutable;
using System.Globalization;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Planner;
using YamlDotNet.Core;

namespace Provider.Planning.Containers;

/// <summary>
/// A release's compose file as the planner sees it. File is the path shown in messages (as the user knows it, e.g.
/// examples/shop/compose.yaml); PathInRelease is the same file relative to the release root (app.compose.file), which
/// relative paths in it are resolved against. Project is provider.yaml's key (acme__shop), Allowed its
/// `containers.allow` (<see cref="ContainerFeature"/> names).
/// </summary>
public sealed record ComposePolicyInput(string File, string PathInRelease, string Text, string Project, string UserName, ImmutableArray<string> Allowed);

/// <summary>
/// What the policy found: errors (empty when the file may run), the allowed features the file actually uses, and the
/// other files of the release it pulls in (extends, include), which the caller checks with the same policy.
/// </summary>
public sealed record ComposePolicyResult(ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<string> UsedFeatures, ImmutableArray<string> IncludedFiles)
{
    public bool Allowed => !Diagnostics.Any(d => d.IsError);
}

/// <summary>
/// Refuses what would let a compose project escape its tenant (DESIGN §10): Docker access is root on the node, so
/// privileged containers, the node's namespaces, added capabilities, devices, confinement switched off, another
/// cgroup, node paths outside the environment's own directories, the Docker socket, ports published on the node and
/// volumes or networks shared with other projects are each an error at the offending node, unless provider.yaml
/// allows that feature for the project. Pure: text in, diagnostics out. Unknown keys are compose's to report.
/// </summary>
public static class ComposePolicy
{
    private static readonly string[] DockerSockets = ["/var/run/docker.sock", "/run/docker.sock"];

    public static ComposePolicyResult Check(ComposePolicyInput input)
    {
        ImmutableArray<ComposeNode> documents;
        try
        {
            documents = ComposeTree.Read(input.Text);
        }
        catch (YamlException ex)
        {
            return new ComposePolicyResult(
                [new Diagnostic(ContainerCodes.ComposeSyntax, DiagnosticLevel.Error, "compose file is not valid YAML: " + FirstLine(ex.Message),
                    Position(input.File, ex.Start), Hint: "check indentation, quoting and ':' after keys near this position; `docker compose config` shows the same")],
                [], []);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this for some unterminated flow collections.
            return new ComposePolicyResult(
                [new Diagnostic(ContainerCodes.ComposeSyntax, DiagnosticLevel.Error, "compose file is not valid YAML: a '[' or '{' is not closed",
                    new SourcePosition(input.File, 1, 1), Hint: "close the flow list or mapping with ']' or '}'")],
                [], []);
        }

        var checker = new Checker(input);
        foreach (var document in documents.OfType<ComposeMapping>())
        {
            checker.Document(document);
        }

        return checker.Result();
    }

    /// <summary>
    /// The compose file and every file of the release it pulls in (extends, include), each checked once. releaseFile
    /// gives a release file's text by its path in the release (null when the release has no such file); displayName
    /// turns that path into the one messages show. A pulled-in file that is missing is an error at its reference.
    /// </summary>
    public static ComposePolicyResult CheckWithIncludes(ComposePolicyInput input, Func<string, string?> releaseFile, Func<string, string> displayName)
    {
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        var used = new SortedSet<string>(StringComparer.Ordinal);
        var seen = new SortedSet<string>(StringComparer.Ordinal) { input.PathInRelease };
        var queue = new Queue<ComposePolicyInput>([input]);
        while (queue.TryDequeue(out var next))
        {
            var result = Check(next);
            diagnostics.AddRange(result.Diagnostics);
            used.UnionWith(result.UsedFeatures);
            foreach (var path in result.IncludedFiles.Where(seen.Add))
            {
                if (releaseFile(path) is { } text)
                {
                    queue.Enqueue(next with { File = displayName(path), PathInRelease = path, Text = text });
                }
                else
                {
                    diagnostics.Add(new Diagnostic(ContainerCodes.FileOutsideRelease, DiagnosticLevel.Error,
                        $"'{DiagnosticText.Visible(path)}' (pulled in by extends or include) is not in the release",
                        new SourcePosition(next.File, 1, 1), Hint: "add the file to the release, or remove the reference"));
                }
            }
        }

        return new ComposePolicyResult(diagnostics.ToImmutable(), [.. used], [.. seen.Where(p => p != input.PathInRelease)]);
    }

    private sealed class Checker(ComposePolicyInput input)
    {
        private readonly List<Diagnostic> diagnostics = [];
        private readonly SortedSet<string> used = new(StringComparer.Ordinal);
        private readonly SortedSet<string> included = new(StringComparer.Ordinal);
        private readonly HashSet<string> allowed = new(input.Allowed, StringComparer.Ordinal);
        private readonly HashSet<string> services = new(StringComparer.Ordinal);
        private readonly string composeDir = input.PathInRelease.Contains('/', StringComparison.Ordinal) ? input.PathInRelease[..input.PathInRelease.LastIndexOf('/')] : "";

        public ComposePolicyResult Result() => new([.. diagnostics], [.. used], [.. included]);

        public void Document(ComposeMapping root)
        {
            foreach (var (_, value) in root.All("services"))
            {
                if (value is ComposeMapping map)
                {
                    services.UnionWith(map.Pairs.Select(p => p.Key.Value));
                }
            }

            foreach (var (_, value) in root.All("services"))
            {
                if (value is ComposeMapping map)
                {
                    foreach (var (name, service) in map.Pairs)
                    {
                        if (service is ComposeMapping s)
                        {
                            Service("services." + Segment(name.Value), s);
                        }
                    }
                }
            }

            foreach (var (_, value) in root.All("include"))
            {
                Include(value);
            }

            TopLevel(root, "volumes", volume: true);
            TopLevel(root, "networks", volume: false);
            foreach (var section in new[] { "secrets", "configs" })
            {
                foreach (var (_, value) in root.All(section))
                {
                    foreach (var (name, entry) in Entries(value))
                    {
                        if (entry is ComposeMapping m && m["file"] is ComposeScalar file)
                        {
                            HostPath(file, $"{section}.{Segment(name)}.file", $"{section[..^1]} '{name}' is read from");
                        }
                    }
                }
            }
        }

        private void Service(string field, ComposeMapping s)
        {
            foreach (var (key, value) in s.Pairs)
            {
                var at = field + "." + Segment(key.Value);
                switch (key.Value)
                {
                    case "privileged":
                        if (value is not ComposeScalar { IsFalseOrEmpty: true })
                        {
                            Refuse(ContainerFeature.Privileged, value, at, IsVariable(value)
                                ? "privileged is set from a variable; the planner cannot see its value, so it counts as privileged: true"
                                : "privileged: true gives the container every capability and every device of the node",
                                "remove it and add only the capability the service needs (which also needs an allowance)");
                        }

                        break;
                    case "network_mode":
                        Namespace(value, at, "network", ContainerFeature.HostNetwork, "the node's network stack: its loopback services, every port, every tenant's traffic");
                        break;
                    case "pid":
                        Namespace(value, at, "PID", ContainerFeature.HostPid, "every process of the node, which it can see and signal");
                        break;
                    case "ipc":
                        Namespace(value, at, "IPC", ContainerFeature.HostIpc, "the node's shared memory and semaphores");
                        break;
                    case "uts":
                        Namespace(value, at, "UTS", ContainerFeature.HostUts, "the node's host name, which it may change");
                        break;
                    case "userns_mode":
                        Namespace(value, at, "user", ContainerFeature.HostUserns, "the node's user IDs without remapping, so root in the container is root on the node");
                        break;
                    case "cgroup":
                        if (value is not ComposeScalar { Value: "private" })
                        {
                            Refuse(ContainerFeature.CgroupParent, value, at, "cgroup: host shows the container the node's whole cgroup tree",
                                "remove it; the default (private) is what a tenant gets");
                        }

                        break;
                    case "cgroup_parent":
                        if (value is not ComposeScalar { Value.Length: 0 })
                        {
                            Refuse(ContainerFeature.CgroupParent, value, at,
                                "cgroup_parent moves the container out of the environment's slice, and with it out of its CPU and memory limits",
                                "remove it; the environment's containers run in its slice");
                        }

                        break;
                    case "cap_add":
                        if (Items(value).Any())
                        {
                            var caps = string.Join(", ", Items(value).OfType<ComposeScalar>().Select(c => c.Value));
                            Refuse(ContainerFeature.CapAdd, key, at, $"cap_add gives the container capabilities beyond Docker's default set ({caps})",
                                "remove cap_add; for a port below 1024 listen on a higher one (the vhost reaches the service through its socket)");
                        }

                        break;
                    case "devices":
                        foreach (var (item, i) in Items(value).Select((v, i) => (v, i)))
                        {
                            Refuse(ContainerFeature.Devices, item, Index(at, i), $"devices passes the node's device {Describe(item)} into the container",
                                "remove it; a tenant's containers get no device of the node");
                        }

                        break;
                    case "device_cgroup_rules":
                        if (Items(value).Any())
                        {
                            Refuse(ContainerFeature.Devices, key, at, "device_cgroup_rules lets the container open the node's devices",
                                "remove it; a tenant's containers get no device of the node");
                        }

                        break;
                    case "security_opt":
                        foreach (var (item, i) in Items(value).Select((v, i) => (v, i)))
                        {
                            SecurityOpt(item, Index(at, i));
                        }

                        break;
                    case "ports":
                        foreach (var (item, i) in Items(value).Select((v, i) => (v, i)))
                        {
                            Refuse(ContainerFeature.HostPorts, item, Index(at, i), $"ports publishes {Describe(item)} on the node: host ports clash between tenants and bypass the vhost",
                                "remove ports; the vhost reaches the service named in app.compose through its socket (use expose: for ports between services)");
                        }

                        break;
                    case "volumes":
                        foreach (var (item, i) in Items(value).Select((v, i) => (v, i)))
                        {
                            Volume(item, Index(at, i));
                        }

                        break;
                    case "volumes_from":
                        foreach (var (item, i) in Items(value).Select((v, i) => (v, i)))
                        {
                            if (item is ComposeScalar { Value: var from } scalar)
                            {
                                var target = from.StartsWith("container:", StringComparison.Ordinal) ? from : from.Split(':')[0];
                                Join(scalar, Index(at, i), target.StartsWith("container:", StringComparison.Ordinal) ? target : "service:" + target, "volumes");
                            }
                        }

                        break;
                    case "env_file":
                        foreach (var (item, i) in Items(value).Select((v, i) => (v, i)))
                        {
                            var path = item is ComposeMapping m ? m["path"] : item;
                            if (path is ComposeScalar p)
                            {
                                HostPath(p, value is ComposeSequence ? Index(at, i) : at, "env_file is read from");
                            }
                        }

                        break;
                    case "build":
                        Build(value, at);
                        break;
                    case "extends":
                        if (value is ComposeMapping ext && ext["file"] is ComposeScalar extFile)
                        {
                            ReleaseFile(extFile, at + ".file", "extends");
                        }

                        break;
                }
            }
        }

        /// <summary>network_mode, pid, ipc, uts, userns_mode: host, container:NAME and service:NAME (this file's services only).</summary>
        private void Namespace(ComposeNode value, string at, string what, string hostFeature, string grants)
        {
            if (value is not ComposeScalar { Value: var v } scalar)
            {
                return;
            }

            if (v == "host")
            {
                Refuse(hostFeature, scalar, at, $"{at[(at.LastIndexOf('.') + 1)..]}: host puts the container in the node's {what} namespace: {grants}",
                    $"remove it; each compose project gets its own {what} namespace");
            }
            else if (IsVariable(scalar))
            {
                Refuse(hostFeature, scalar, at, $"{at[(at.LastIndexOf('.') + 1)..]} is set from a variable; the planner cannot see it, so it counts as host",
                    "write the value out in the compose file");
            }
            else if (v.StartsWith("container:", StringComparison.Ordinal) || v.StartsWith("service:", StringComparison.Ordinal))
            {
                Join(scalar, at, v, what);
            }
            else if (at.EndsWith(".network_mode", StringComparison.Ordinal) && v is not ("none" or "bridge" or "default" or ""))
            {
                Refuse(ContainerFeature.SharedResources, scalar, at, $"network_mode '{DiagnosticText.Visible(v)}' joins a network outside this compose project",
                    "use networks: with a network declared in this file; each project gets its own");
            }
        }

        private void Join(ComposeScalar scalar, string at, string target, string what)
        {
            if (target.StartsWith("container:", StringComparison.Ordinal))
            {
                Refuse(ContainerFeature.JoinContainers, scalar, at,
                    $"'{DiagnosticText.Visible(target)}' joins the {what} of a container by name, which may belong to another project",
                    "name a service of this file instead (service:NAME for namespaces, the service's name for volumes_from)");
            }
            else if (target["service:".Length..] is var name && !services.Contains(name))
            {
                diagnostics.Add(new Diagnostic(ContainerCodes.UnknownService, DiagnosticLevel.Error,
                    $"'{DiagnosticText.Visible(name)}' is not a service of this compose file",
                    Position(input.File, scalar.Start), at, "services: " + string.Join(", ", services.Order(StringComparer.Ordinal))));
            }
        }

        private void SecurityOpt(ComposeNode item, string at)
        {
            if (item is not ComposeScalar { Value: var v } scalar)
            {
                return;
            }

            var eq = v.IndexOfAny([':', '=']);
            var (option, arg) = eq < 0 ? (v, "") : (v[..eq], v[(eq + 1)..]);
            var weakens = option switch
            {
                "seccomp" => true, // unconfined, or a profile file of the node the planner cannot read
                "apparmor" => arg == "unconfined",
                "label" => arg == "disable" || arg.Contains("spc_t", StringComparison.Ordinal),
                "systempaths" => arg == "unconfined",
                "no-new-privileges" => arg is "false" or "0",
                _ => IsVariable(scalar),
            };
            if (weakens)
            {
                Refuse(ContainerFeature.Unconfined, scalar, at,
                    $"security_opt '{DiagnosticText.Visible(v)}' switches off the confinement (seccomp, AppArmor, SELinux, masked /proc paths) every container gets",
                    "remove it; Docker's default profiles apply to every tenant");
            }
        }

        private void Volume(ComposeNode item, string at)
        {
            if (item is ComposeScalar { Value: var v } scalar)
            {
                var parts = v.Split(':');
                if (parts.Length >= 2 && LooksLikePath(parts[0]))
                {
                    HostPath(scalar, at, "a bind mount of", parts[0]);
                }
            }
            else if (item is ComposeMapping m)
            {
                var type = (m["type"] as ComposeScalar)?.Value;
                if (m["source"] is ComposeScalar source && (type == "bind" || (type is null && LooksLikePath(source.Value))))
                {
                    HostPath(source, at + ".source", "a bind mount of");
                }
                else if (type == "npipe")
                {
                    Refuse(ContainerFeature.BindMounts, m, at, "a named-pipe mount reaches the node outside the environment", "remove it");
                }
            }
        }

        private void Build(ComposeNode value, string at)
        {
            if (value is ComposeScalar context)
            {
                Context(context, at);
            }
            else if (value is ComposeMapping b)
            {
                if (b["context"] is ComposeScalar c)
                {
                    Context(c, at + ".context");
                }

                if (b["dockerfile"] is ComposeScalar { Value: ['/', ..] } dockerfile)
                {
                    HostPath(dockerfile, at + ".dockerfile", "the Dockerfile is read from");
                }

                foreach (var (name, extra) in Entries(b["additional_contexts"]))
                {
                    if (extra is ComposeScalar e)
                    {
                        Context(e, at + ".additional_contexts." + Segment(name));
                    }
                }
            }
        }

        private void Context(ComposeScalar context, string at)
        {
            // A URL (git, https) or another image or service is fetched, not read from the node.
            var v = context.Value;
            if (!v.Contains("://", StringComparison.Ordinal) && !v.StartsWith("git@", StringComparison.Ordinal) && !v.StartsWith("service:", StringComparison.Ordinal))
            {
                HostPath(context, at, "the build context is read from");
            }
        }

        private void TopLevel(ComposeMapping root, string section, bool volume)
        {
            foreach (var (_, value) in root.All(section))
            {
                foreach (var (name, entry) in Entries(value))
                {
                    if (entry is not ComposeMapping m)
                    {
                        continue;
                    }

                    var at = $"{section}.{Segment(name)}";
                    if (m["external"] is ComposeScalar { IsFalseOrEmpty: false } or ComposeMapping)
                    {
                        Refuse(ContainerFeature.SharedResources, m["external"]!, at + ".external",
                            $"{(volume ? "volume" : "network")} '{name}' is external: it belongs to no project, or to another one",
                            $"remove external; {(volume ? "named volumes are kept per environment" : "each project gets its own networks")}");
                    }

                    if (m["name"] is ComposeScalar { Value.Length: > 0 } explicitName)
                    {
                        Refuse(ContainerFeature.SharedResources, explicitName, at + ".name",
                            $"{(volume ? "volume" : "network")} '{name}' sets name '{DiagnosticText.Visible(explicitName.Value)}', which leaves the project's own prefix and can name another project's",
                            "remove name:; compose prefixes the key with the project's name");
                    }

                    if (!volume && m["driver"] is ComposeScalar { Value: "host" } driver)
                    {
                        Refuse(ContainerFeature.HostNetwork, driver, at + ".driver", $"network '{name}' uses the host driver: the node's network stack", "remove driver: host");
                    }

                    if (volume && m["driver_opts"] is ComposeMapping opts && opts["device"] is ComposeScalar device)
                    {
                        HostPath(device, at + ".driver_opts.device", "volume driver_opts mount");
                    }
                }
            }
        }

        private void Include(ComposeNode value)
        {
            foreach (var (item, i) in Items(value).Select((v, i) => (v, i)))
            {
                var at = Index("include", i);
                var paths = item is ComposeMapping m ? m["path"] : item;
                var list = paths is ComposeSequence s ? s.Items : paths is null ? [] : [paths];
                foreach (var path in list.OfType<ComposeScalar>())
                {
                    ReleaseFile(path, at, "include");
                }

                if (item is ComposeMapping im && im["project_directory"] is ComposeScalar dir)
                {
                    HostPath(dir, at + ".project_directory", "the included project's directory is");
                }
            }
        }

        /// <summary>extends and include: a file of the release, which the caller checks too; anything else cannot be checked.</summary>
        private void ReleaseFile(ComposeScalar path, string at, string what)
        {
            if (IsVariable(path) || InRelease(path.Value) is not { } inRelease)
            {
                diagnostics.Add(new Diagnostic(ContainerCodes.FileOutsideRelease, DiagnosticLevel.Error,
                    $"{what} names '{DiagnosticText.Visible(path.Value)}', a file outside the release: the planner cannot check it and it is not deployed with the release",
                    Position(input.File, path.Start), at, "copy what it holds into the release and name it with a relative path, e.g. ./common.yaml"));
            }
            else
            {
                included.Add(inRelease);
            }
        }

        /// <summary>
        /// A node path the compose project would read or mount: fine when relative inside the release or under the
        /// environment's data, state or cache directory; the Docker socket (or a directory holding it) needs
        /// dockerSocket, anything else bindMounts.
        /// </summary>
        private void HostPath(ComposeScalar node, string at, string what, string? raw = null)
        {
            var path = raw ?? node.Value;
            if (IsVariable(path))
            {
                Refuse(ContainerFeature.BindMounts, node, at, $"{what} '{DiagnosticText.Visible(path)}', set from a variable: the planner cannot tell where it points",
                    "write the path out: relative to the compose file (inside the release) or under the environment's data directory " + HostenvPaths.DataDir(input.UserName));
                return;
            }

            if (path.StartsWith('/'))
            {
                var normal = Normalise(path);
                if (OwnDirectories().Any(d => normal == d || normal.StartsWith(d + "/", StringComparison.Ordinal)))
                {
                    return;
                }

                var socket = DockerSockets.Any(s => s == normal || normal == "/" || s.StartsWith(normal + "/", StringComparison.Ordinal));
                if (socket)
                {
                    Refuse(ContainerFeature.DockerSocket, node, at,
                        $"{what} '{DiagnosticText.Visible(path)}'{(DockerSockets.Contains(normal) ? "" : ", which holds")} the Docker socket: whoever reaches it is root on the node",
                        "remove it; a tenant's containers never talk to the node's Docker engine");
                    if (DockerSockets.Contains(normal))
                    {
                        return;
                    }
                }

                Refuse(ContainerFeature.BindMounts, node, at, $"{what} the node's '{DiagnosticText.Visible(path)}', outside the environment's own directories",
                    $"use a path relative to the compose file (inside the release), a named volume, or a directory under {HostenvPaths.DataDir(input.UserName)} or {HostenvPaths.StateDir(input.UserName)}");
                return;
            }

            if (path.StartsWith('~') || InRelease(path) is null)
            {
                Refuse(ContainerFeature.BindMounts, node, at, $"{what} '{DiagnosticText.Visible(path)}', which is outside the release",
                    $"keep relative paths inside the release (no '..' above its root, no '~'), or use a directory under {HostenvPaths.DataDir(input.UserName)}");
            }
        }

        private IEnumerable<string> OwnDirectories() =>
            [HostenvPaths.DataDir(input.UserName), HostenvPaths.StateDir(input.UserName), HostenvPaths.CacheDir(input.UserName)];

        /// <summary>The path relative to the release root, or null when it leaves the release.</summary>
        private string? InRelease(string path)
        {
            if (path.StartsWith('/') || path.StartsWith('~'))
            {
                return null;
            }

            var parts = new List<string>();
            foreach (var part in (composeDir.Length == 0 ? path : composeDir + "/" + path).Split('/'))
            {
                if (part is "" or ".")
                {
                    continue;
                }

                if (part == "..")
                {
                    if (parts.Count == 0)
                    {
                        return null;
                    }

                    parts.RemoveAt(parts.Count - 1);
                }
                else
                {
                    parts.Add(part);
                }
            }

            return parts.Count == 0 ? "." : string.Join('/', parts);
        }

        private void Refuse(string feature, ComposeNode at, string field, string message, string hint)
        {
            if (allowed.Contains(feature))
            {
                used.Add(feature);
                return;
            }

            diagnostics.Add(new Diagnostic(ContainerCodes.FeatureNotAllowed, DiagnosticLevel.Error, message,
                Position(input.File, at.Start), field,
                $"{hint}; or, if the operator accepts it, allow it for this project in provider.yaml: projects.{input.Project}.containers.allow: [{feature}]"));
        }
    }

    /// <summary>Items of a list; a lone scalar or mapping where compose also takes one (env_file: .env) is one item.</summary>
    private static ImmutableArray<ComposeNode> Items(ComposeNode? value) => value switch
    {
        ComposeSequence s => s.Items,
        ComposeScalar { Value.Length: 0, Plain: true } => [],
        null => [],
        _ => [value],
    };

    private static IEnumerable<(string Name, ComposeNode Value)> Entries(ComposeNode? value) =>
        value is ComposeMapping m ? m.Pairs.Select(p => (p.Key.Value, p.Value)) : [];

    private static string Describe(ComposeNode item) => item is ComposeScalar s ? $"'{DiagnosticText.Visible(s.Value)}'" : "a port";

    private static bool LooksLikePath(string source) => source.StartsWith('/') || source.StartsWith('.') || source.StartsWith('~') || IsVariable(source);

    /// <summary>Compose interpolates $NAME and ${NAME} (from the node's .env or environment); $$ is a literal '$'.</summary>
    private static bool IsVariable(string text) => text.Replace("$$", "", StringComparison.Ordinal).Contains('$', StringComparison.Ordinal);

    private static bool IsVariable(ComposeNode node) => node is ComposeScalar s && IsVariable(s.Value);

    /// <summary>An absolute path with '.', '..' and repeated '/' resolved, as the kernel reads it (symbolic links aside).</summary>
    private static string Normalise(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join('/', parts);
    }

    private static string Index(string field, int i) => field + "." + i.ToString(CultureInfo.InvariantCulture);

    private static string Segment(string key) =>
        key.Contains('.', StringComparison.Ordinal) || key.Contains('/', StringComparison.Ordinal) ? $"\"{key}\"" : key;

    private static SourcePosition Position(string file, Mark mark) => new(file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    private static string FirstLine(string message) => DiagnosticText.Visible(YamlDocument.FirstLine(message));
}
