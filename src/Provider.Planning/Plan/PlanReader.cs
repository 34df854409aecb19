using System.Collections.Immutable;
using System.Text.Json;
using Provider.Planning.Diagnostics;
using Provider.Planning.Gate;
using Provider.Planning.Planner;

namespace Provider.Planning.Plan;

/// <summary>The plan, or why generated/plan.json cannot be used (one problem: the first found).</summary>
public sealed record PlanReadResult(FleetPlan? Plan, ImmutableArray<Diagnostic> Problems);

/// <summary>
/// Reads generated/plan.json into a <see cref="FleetPlan"/>. Pure: the caller reads the file. Checks the format
/// version first (a plan from another version may have another shape), then every field the model exposes and
/// the references between environments and nodes. It stops at the first problem: a broken plan has one fix
/// (write it again), so a cascade of follow-on errors would only hide the cause.
/// </summary>
public static class PlanReader
{
    /// <summary>The file the text comes from, as errors name it (repo-relative).</summary>
    public const string FileName = "generated/plan.json";

    private const string Replan = "run `hostenv-provider plan` to write it again";

    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    public static PlanReadResult Read(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, Options);
        }
        catch (JsonException ex)
        {
            if (ex.LineNumber is null && DuplicateKey(text) is { } duplicate)
            {
                // System.Text.Json reports a repeated key without a position; name its path instead.
                return Failed(new Diagnostic(PlanCodes.PlanFileMalformed, DiagnosticLevel.Error, "not valid JSON: the key appears twice in one object",
                    new SourcePosition(FileName, 0, 0), duplicate, "the file was edited by hand; " + Replan));
            }

            return Failed(new Diagnostic(PlanCodes.PlanFileMalformed, DiagnosticLevel.Error, "not valid JSON: " + ParserReason(ex),
                new SourcePosition(FileName, (int)(ex.LineNumber ?? -1) + 1, (int)(ex.BytePositionInLine ?? -1) + 1),
                Hint: "the file was cut short or edited by hand; " + Replan));
        }

        using (document)
        {
            try
            {
                return new PlanReadResult(Fleet(new PlanElement(document.RootElement, "$")), []);
            }
            catch (PlanProblemException ex)
            {
                return Failed(new Diagnostic(ex.Code, DiagnosticLevel.Error, ex.Message, new SourcePosition(FileName, 0, 0), ex.Path,
                    ex.Hint ?? "the file was edited by hand or written by another version; " + Replan));
            }
        }
    }

    private static PlanReadResult Failed(Diagnostic problem) => new(null, [problem]);

    /// <summary>System.Text.Json's message without the position it appends (the diagnostic carries it).</summary>
    private static string ParserReason(JsonException ex)
    {
        var message = ex.Message;
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (at > 0 ? message[..at] : message).TrimEnd();
    }

    /// <summary>The path of the first key that repeats within one object, or null.</summary>
    private static string? DuplicateKey(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return Duplicate(document.RootElement, "$");
        }
        catch (JsonException)
        {
            return null;
        }

        static string? Duplicate(JsonElement e, string path)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                return e.EnumerateArray().Select((item, i) => Duplicate(item, $"{path}[{i}]")).FirstOrDefault(d => d is not null);
            }

            if (e.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                if (!seen.Add(p.Name))
                {
                    return PlanElement.Member(path, p.Name);
                }

                if (Duplicate(p.Value, PlanElement.Member(path, p.Name)) is { } inner)
                {
                    return inner;
                }
            }

            return null;
        }
    }

    private static FleetPlan Fleet(PlanElement root)
    {
        root.AsObject();
        var format = root.Int("planFormat");
        if (format != PlanLimits.PlanFormat)
        {
            var newer = format > PlanLimits.PlanFormat;
            throw new PlanProblemException(PlanCodes.PlanFileFormat, PlanElement.Member(root.Path, "planFormat"),
                $"planFormat {format} is {(newer ? "newer" : "older")} than this hostenv-provider reads (planFormat {PlanLimits.PlanFormat})",
                newer
                    ? "the file was written by a newer hostenv-provider: upgrade, or run `hostenv-provider plan` with this version to write it again"
                    : "the file was written by an older hostenv-provider; " + Replan);
        }

        var cloudflare = root.Object("cloudflare");
        var deploy = root.Object("deploy");
        var environments = Sorted(root.ObjectMembers("environments").Select(e => Environment(e.Key, e.Value)), e => e.UserName);
        return new FleetPlan(
            format,
            root.String("inputsHash"),
            root.String("hostenvHostname"),
            root.String("deployUser"),
            new CloudflarePlan(cloudflare.Bool("enable"), cloudflare.StringOrNull("zoneId"), cloudflare.StringOrNull("apiTokenFile"), cloudflare.StringOrNull("apiTokenEnv")),
            new DeployDefaultsPlan(deploy.Int("keepReleases"), deploy.Int("parallel")),
            Sorted(root.ObjectMembers("nodeConnections").Select(c => Connection(c.Key, c.Value)), c => c.Node),
            environments,
            Sorted(root.ObjectMembers("nodes").Select(n => Node(n.Key, n.Value, environments)), n => n.Name));
    }

    private static ImmutableSortedDictionary<string, T> Sorted<T>(IEnumerable<T> items, Func<T, string> key) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, items.Select(i => KeyValuePair.Create(key(i), i)));

    private static NodeConnection Connection(string node, PlanElement c) =>
        new(node, c.String("hostname"), c.Int("port"), c.String("user"), c.StringOrNull("hostKey"));

    private static EnvironmentPlan Environment(string key, PlanElement e)
    {
        var field = e.Field("userName", "a string");
        var userName = field.AsString();
        if (userName != key)
        {
            throw field.Problem($"is \"{userName}\", but the environment is stored under \"{key}\"");
        }

        var paths = e.Object("paths");
        var resources = e.Object("resources");
        var source = e.Object("source");
        return new EnvironmentPlan(
            userName,
            e.Int("uid"),
            e.String("node"),
            e.StringOrNull("previousNode"),
            e.String("type"),
            e.Bool("enable"),
            e.String("organisation"),
            e.String("project"),
            e.String("projectName"),
            e.String("environmentName"),
            e.String("hostname"),
            e.Bool("isDefaultEnvironment"),
            e.Strings("virtualHosts"),
            new EnvironmentPaths(paths.String("home"), paths.String("runtimeDir"), paths.String("upstreamRuntimeDir"),
                paths.String("dataDir"), paths.String("stateDir"), paths.String("cacheDir")),
            new EnvironmentResources(resources.StringOrNull("cpuQuota"), resources.StringOrNull("memoryMax")),
            e.Strings("secrets"),
            new EnvironmentSource(source.StringOrNull("path"), source.StringOrNull("git"), source.StringOrNull("ref"), source.StringOrNull("rev"), source.String("dir")),
            e.ObjectOrNull("app") is { } app ? App(app) : null,
            Sorted(e.ObjectMembers("users").Select(u => new EnvironmentUser(u.Key, u.Value.StringOrNull("email"), u.Value.Strings("publicKeys"))), u => u.Id),
            e.Strings("authorizedKeys"),
            [.. e.Objects("deploymentVerification").Select(v => new VerificationCheck(v.String("scheme"), v.String("host"), v.String("path"),
                v.String("expectStatus"), v.StringOrNull("bodyRegex"), v.Bool("followRedirects"), v.Bool("enforce")))])
        {
            EncryptedSecrets = e.ObjectOrNull("encryptedSecrets") is { } es
                ? new EncryptedSecretsPlan(es.String("file"), es.String("sha256"), es.Strings("recipients"), es.StringOrNull("rekey"))
                : null,
        };
    }

    private static AppPlan App(PlanElement app)
    {
        var hooks = app.Object("hooks");
        return new AppPlan(
            app.Strings("build"),
            app.Int("buildTimeoutSeconds"),
            app.StringOrNull("run"),
            app.StringOrNull("static"),
            app.ObjectOrNull("healthCheck") is { } hc
                ? new HealthCheckPlan(hc.String("path"), hc.Int("intervalSeconds"), hc.Int("timeoutSeconds"), hc.Int("deadlineSeconds"), hc.String("expectStatus"))
                : null,
            new AppHooks(hooks.StringOrNull("preDeploy"), hooks.StringOrNull("postDeploy")),
            app.Int("keepReleases"),
            app.Strings("sharedDirs"),
            app.ObjectOrNull("sandbox") is { } sandbox ? sandbox.Strings("allow") : [])
        {
            Data = app.StringsOrEmpty("data"),
            Compose = app.ObjectOrNull("compose") is { } c ? new ComposePlan(c.String("file"), c.String("fileSha256"), c.String("service"), c.Int("port")) : null,
        };
    }

    private static NodePlan Node(string name, PlanElement n, ImmutableSortedDictionary<string, EnvironmentPlan> environments)
    {
        var listed = n.Field("environments", "an array of strings").Items();
        foreach (var item in listed)
        {
            if (!environments.ContainsKey(item.AsString()))
            {
                throw item.Problem($"names \"{item.AsString()}\", which is not an environment in $.environments");
            }
        }

        var vhosts = n.Object("services").Object("nginx").ObjectMembers("virtualHosts").Select(v => Vhost(v.Key, v.Value, environments));
        return new NodePlan(
            name,
            n.String("canonicalName"),
            n.String("address"),
            n.Strings("addresses"),
            n.Int("confirmTimeoutSeconds"),
            n.Bool("magicRollback"),
            [.. listed.Select(i => i.AsString())],
            n.ObjectOrNull("dnsGate") is { } stamp ? new NodeGateStamp(stamp.String(GateStamp.Key)) : null,
            Sorted(vhosts, v => v.Name),
            n.Value.Clone())
        {
            Containers = n.Value.TryGetProperty("containers", out var containers) && containers.ValueKind == System.Text.Json.JsonValueKind.True,
            Runtimes = n.Value.TryGetProperty("runtimes", out _) ? n.Strings("runtimes") : [],
        };
    }

    private static NodeVhost Vhost(string name, PlanElement v, ImmutableSortedDictionary<string, EnvironmentPlan> environments)
    {
        var owner = v.Field("owner", "a string");
        if (!environments.ContainsKey(owner.AsString()))
        {
            throw owner.Problem($"names \"{owner.AsString()}\", which is not an environment in $.environments");
        }

        return new NodeVhost(name, owner.AsString(), v.Bool("enableACME"), v.Bool("forceSSL"), v.ObjectOrNull("dnsGate") is { } gate ? Gate(gate) : null);
    }

    private static VhostGate Gate(PlanElement g)
    {
        var planned = g.Object("planned");
        return new VhostGate(Status(g.Field("status", "a string")), g.String("expected"), g.Strings("observed"), g.String("reason"),
            new PlannedTls(planned.Bool("enableACME"), planned.Bool("forceSSL"), planned.StringOrNull("hsts")));
    }

    /// <summary>The names <see cref="GateDecision.StatusName"/> writes; anything else is a bad field, not a silent "unknown".</summary>
    private static GateStatus Status(PlanElement status) => status.AsString() switch
    {
        "ok" => GateStatus.Ok,
        "elsewhere" => GateStatus.Elsewhere,
        "missing" => GateStatus.Missing,
        "unknown" => GateStatus.Unknown,
        var other => throw status.Problem($"is \"{other}\"; expected ok, elsewhere, missing or unknown"),
    };
}
