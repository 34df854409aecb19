using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Output;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Apply;

/// <summary>
/// A compose environment (DESIGN §10): the release's images are built on the node and tagged with the release; each
/// release runs as the compose project &lt;userName&gt;-&lt;slot&gt;, its service published on a node-loopback port that the
/// slot's unit forwards the slot socket to. Start, health check, switch and drain are the app's; here are the steps
/// only containers need.
/// </summary>
public sealed partial class EnvironmentStage
{
    /// <summary>The image repository of an environment's releases: hostenv/&lt;userName&gt;, tag = release (+ "-service" for other built services).</summary>
    public static string ImageRepository(string user) => "hostenv/" + user;

    public static string ComposeProject(string user, string slot) => user + "-" + slot;

    /// <summary>Refuses a release whose compose file is missing or differs from the one the plan was made from.</summary>
    private static string? ComposeFileProblem(ComposePlan compose, ReleaseFiles release)
    {
        var file = release.Files.FirstOrDefault(f => f.Path == compose.File);
        if (file is null)
        {
            return $"the release has no compose file {compose.File} (the plan names it in app.compose.file); nothing was changed";
        }

        return file.Sha256 == compose.FileSha256 ? null
            : $"the release's {compose.File} (sha256 {file.Sha256[..12]}) is not the one the plan was made from ({compose.FileSha256[..12]}); " +
              "nothing was changed: run `hostenv-provider plan` and deploy the new plan";
    }

    /// <summary>
    /// Builds the release's images (as root, offline), tagged hostenv/&lt;user&gt;:&lt;release&gt;, and pins the image of each
    /// service that names one instead of building it (pulled as compose would; its ID and registry digest recorded), so
    /// that every start of the release, a rollback too, runs exactly these images. Throws on failure.
    /// </summary>
    private async Task ComposeBuildAsync(SshNodeSession session, EnvironmentPlan env, ComposePlan compose, ReleaseFiles release, string releaseId, string releaseDir, CancellationToken ct)
    {
        var user = env.UserName;
        var model = ComposeModel.Read(release, compose);
        var generated = model.Generated(env, compose, releaseId, slot: null);
        // An image named through compose's variable interpolation is left to compose (not pinned).
        var named = model.Services.Where(s => !s.Built && s.Image is not null && !s.Image.Contains('$', StringComparison.Ordinal))
            .Select(s => string.Join('\t', s.Name, s.Image, s.PullPolicy is { Length: > 0 } p ? p : "missing", PinTag(releaseId, s.Name)));
        var r = await session.RunAsync(RemoteScripts.Command("compose-build.sh", [EnvDir(user), releaseId, releaseDir, compose.File, ComposeProject(user, "build"), ImageRepository(user), .. named]).AsRoot(),
            TimeSpan.FromSeconds(env.App?.BuildTimeoutSeconds ?? 600), generated, ct);
        if (!r.Success)
        {
            throw new DeployStepException("build", (r.ExitCode == RemoteCommand.TimeoutExitCode ? "image build timed out" : $"image build failed (exit {r.ExitCode})") + ":\n" + Tail(r.Stdout + r.Stderr, 30));
        }

        var lines = r.Stdout.Split('\n');
        var images = lines.Where(l => l.StartsWith("image ", StringComparison.Ordinal)).Select(l => l["image ".Length..]).ToList();
        var pinned = lines.Where(l => l.StartsWith("pinned ", StringComparison.Ordinal)).Select(l => l.Split(' ')).Where(p => p.Length == 5)
            .Select(p => $"{p[1]} to {(p[4] != "-" ? p[4] : p[2])} ({ComposeContainers.ShortId(p[3])})").ToList();
        Step(session, user, images.Count == 0 ? "no image to build (every service names an image)" : "built " + string.Join(", ", images.Select(ShortImage)));
        if (pinned.Count > 0)
        {
            Step(session, user, "pinned " + string.Join(", ", pinned));
        }
    }

    /// <summary>Runs a release as the slot's compose project (never builds; pinned images by ID or digest), before the slot's unit forwards to it.</summary>
    private async Task ComposeUpAsync(SshNodeSession session, EnvironmentPlan env, ComposePlan compose, string releaseId, string releaseDir, string slot, CancellationToken ct)
    {
        var user = env.UserName;
        var read = await Run(session, "read compose file", RemoteScripts.Command("compose-read.sh", EnvDir(user), releaseId, releaseDir, compose.File).AsRoot(), ct);
        var lines = read.Stdout.Split('\n');
        var pins = ReleaseImage.ParsePins(lines);
        var model = ComposeModel.Read(string.Join('\n', lines.Where(l => l.StartsWith("file ", StringComparison.Ordinal)).Select(l => l["file ".Length..])) + "\n", compose);
        var generated = model.Generated(env, compose, releaseId, slot, pins);
        await Run(session, "compose up", RemoteScripts.Command("compose-up.sh", EnvDir(user), slot, releaseDir, compose.File, ComposeProject(user, slot), user).AsRoot(), ct, generated);
        Step(session, user, $"compose project {ComposeProject(user, slot)} runs {ImageRepository(user)}:{releaseId}" +
            string.Concat(pins.Values.OrderBy(p => p.Service, StringComparer.Ordinal).Select(p => $", {p.Service} pinned to {p.Reference}")));
    }

    /// <summary>The tag that keeps a service's pinned image on the node while its release is kept (compose-retain.sh removes it with the release).</summary>
    private static string PinTag(string releaseId, string service) => releaseId + "-" + ComposeModel.SafeTag(service);

    /// <summary>Stops a slot's compose project (named volumes stay); with logs, returns its containers' last lines.</summary>
    private static async Task<string> ComposeDownAsync(SshNodeSession session, string user, string slot, bool logs, CancellationToken ct)
    {
        var r = await session.RunAsync(RemoteScripts.Command("compose-down.sh", ComposeProject(user, slot), logs ? "logs" : "").AsRoot(), StepTimeout, ct);
        return r.Stdout;
    }

    private static async Task ComposeRetainAsync(SshNodeSession session, string user, IEnumerable<string> kept, CancellationToken ct) =>
        await Run(session, "image retention", RemoteScripts.Command("compose-retain.sh", [ImageRepository(user), .. kept.Order(StringComparer.Ordinal)]).AsRoot(), ct);

    private static string ShortImage(string line)
    {
        var parts = line.Split(' ');
        return parts.Length == 2 && parts[1].StartsWith("sha256:", StringComparison.Ordinal) ? $"{parts[0]} ({parts[1][7..19]})" : line;
    }

    /// <summary>
    /// What hostenv needs to know of a release's compose file (its services, which of them are built, which set their own
    /// user/init/restart, its named volumes) and the compose file hostenv lays over it. The generated file is JSON (valid
    /// YAML), written from a typed model with sorted keys: the same release and slot always give the same bytes.
    /// </summary>
    internal sealed record ComposeModel(IReadOnlyList<(string Name, bool Built, bool HasUser, bool HasInit, bool HasRestart, string? Image, string? PullPolicy)> Services, IReadOnlyList<string> Volumes)
    {
        public static ComposeModel Read(ReleaseFiles release, ComposePlan compose)
        {
            var file = release.Files.First(f => f.Path == compose.File);
            using var stream = file.Open();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return Read(reader.ReadToEnd(), compose);
        }

        public static ComposeModel Read(string text, ComposePlan compose)
        {
            var diagnostics = new DiagnosticBag();
            var doc = YamlDocument.Parse(new SourceFile(compose.File, text), diagnostics);
            if (diagnostics.HasErrors || doc.Root is not JsonObject root)
            {
                throw new DeployStepException("compose", $"{compose.File} is not a YAML mapping: " + string.Join("; ", diagnostics.Items.Select(d => d.Message)));
            }

            var services = (root["services"] as JsonObject ?? []).Select(s => (s.Key, Built: s.Value?["build"] is not null, HasUser: s.Value?["user"] is not null,
                HasInit: s.Value?["init"] is not null, HasRestart: s.Value?["restart"] is not null, Image: Text(s.Value?["image"]), PullPolicy: Text(s.Value?["pull_policy"])))
                .OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
            if (!services.Any(s => s.Key == compose.Service))
            {
                throw new DeployStepException("compose", $"{compose.File} has no service '{compose.Service}' (app.compose.service); it has: {string.Join(", ", services.Select(s => s.Key))}");
            }

            var volumes = (root["volumes"] as JsonObject ?? []).Where(v => v.Value?["external"] is null).Select(v => v.Key).Order(StringComparer.Ordinal).ToList();
            return new ComposeModel(services, volumes);
        }

        /// <summary>
        /// hostenv's layer: built services get the release's image tag; every service runs as the environment's UID
        /// (unless the release's file says otherwise), with an init process and the environment's env_file; the traffic
        /// service publishes its port on the slot's node-loopback port; named volumes are named per environment, so they
        /// outlive releases, slots and rollbacks; a service that names an image runs the one pinned at build (by registry
        /// digest, else by image ID; never pulled again). With slot null (the build) only the image tags.
        /// </summary>
        public string Generated(EnvironmentPlan env, ComposePlan compose, string releaseId, string? slot, IReadOnlyDictionary<string, ReleaseImage>? pins = null)
        {
            var user = env.UserName;
            var services = new JsonObject();
            foreach (var s in Services)
            {
                var service = new JsonObject();
                if (s.Built)
                {
                    service["image"] = ImageRepository(user) + ":" + (s.Name == compose.Service ? releaseId : releaseId + "-" + SafeTag(s.Name));
                }
                else if (slot is not null && pins?.GetValueOrDefault(s.Name) is { } pin)
                {
                    service["image"] = pin.Reference;
                    // An image ID cannot be pulled; a digest only when the node lost the image.
                    service["pull_policy"] = pin.Digest is null ? "never" : "missing";
                }

                if (slot is not null)
                {
                    service["env_file"] = new JsonArray($"{EnvDir(user)}/compose/slot-{slot}.env");
                    if (!s.HasInit)
                    {
                        service["init"] = true;
                    }

                    if (!s.HasRestart)
                    {
                        service["restart"] = "unless-stopped";
                    }

                    // In the environment's slice, so its CPU and memory limits cover the containers too (cgroupfs driver:
                    // the slice's path in the cgroup tree, as systemd nests dashed slice names).
                    service["cgroup_parent"] = SliceCgroupPath(HostenvPaths.Slice(user));
                    if (!s.HasUser)
                    {
                        service["user"] = $"{env.Uid.ToString(CultureInfo.InvariantCulture)}:{env.Uid.ToString(CultureInfo.InvariantCulture)}";
                    }

                    if (s.Name == compose.Service)
                    {
                        service["ports"] = new JsonArray($"127.0.0.1:{HostenvPaths.ComposePort(env.Uid, slot).ToString(CultureInfo.InvariantCulture)}:{compose.Port.ToString(CultureInfo.InvariantCulture)}");
                    }
                }

                services[s.Name] = service;
            }

            var root = new JsonObject { ["services"] = services };
            if (Volumes.Count > 0)
            {
                root["volumes"] = new JsonObject(Volumes.Select(v => KeyValuePair.Create(v, (JsonNode?)new JsonObject { ["name"] = user + "_" + v })));
            }

            return Encoding.UTF8.GetString(CanonicalJson.Serialize(root)) + "\n";
        }

        /// <summary>"a-b-c.slice" lives at /a.slice/a-b.slice/a-b-c.slice (systemd.slice(5)).</summary>
        public static string SliceCgroupPath(string slice)
        {
            var parts = slice[..^".slice".Length].Split('-');
            return string.Concat(Enumerable.Range(1, parts.Length).Select(i => "/" + string.Join('-', parts.Take(i)) + ".slice"));
        }

        private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

        public static string SafeTag(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-')]);
    }
}

/// <summary>
/// An image a compose release ran with, as compose-build.sh recorded it (compose-images in the env state dir): a built
/// image (its hostenv/&lt;user&gt;:&lt;release&gt; tag) or the image a service names (Service set), pinned by its registry
/// digest when it has one, else by its ID.
/// </summary>
public sealed record ReleaseImage(string Release, string Image, string Id, string? Service, string? Digest)
{
    /// <summary>What a start of the release runs: the digest reference, else the image ID (built images: their tag).</summary>
    public string Reference => Service is null ? Image : Digest ?? Id;

    /// <summary>A record line ("release TAB image TAB id [TAB service TAB digest]"); null for anything else.</summary>
    public static ReleaseImage? Parse(string line)
    {
        var p = line.TrimEnd('\r').Split('\t');
        return p.Length < 3 || p[0].Length == 0 || !p[2].StartsWith("sha256:", StringComparison.Ordinal) ? null
            : new ReleaseImage(p[0], p[1], p[2], p.Length > 3 && p[3].Length > 0 ? p[3] : null, p.Length > 4 && p[4].Length > 0 ? p[4] : null);
    }

    /// <summary>compose-read.sh's "pin TAB service TAB image TAB id TAB digest" lines, by service (the last record wins).</summary>
    public static IReadOnlyDictionary<string, ReleaseImage> ParsePins(IEnumerable<string> lines)
    {
        var pins = new Dictionary<string, ReleaseImage>(StringComparer.Ordinal);
        foreach (var p in lines.Where(l => l.StartsWith("pin\t", StringComparison.Ordinal)).Select(l => l.TrimEnd('\r').Split('\t')).Where(p => p.Length >= 4))
        {
            pins[p[1]] = new ReleaseImage("", p[2], p[3], p[1], p.Length > 4 && p[4].Length > 0 ? p[4] : null);
        }

        return pins;
    }
}
