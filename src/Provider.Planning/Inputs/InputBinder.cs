using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Provider.Planning.Diagnostics;
using Provider.Planning.Model;
using static Provider.Planning.Inputs.JsonRead;

namespace Provider.Planning.Inputs;

/// <summary>Reads each kind of input file: YAML → schema validation → immutable records.</summary>
public static class InputBinder
{
    public static ProviderConfig? ReadProvider(SourceFile file, DiagnosticBag diagnostics)
    {
        var doc = Load(file, SchemaKind.Provider, diagnostics);
        if (doc is null)
        {
            return null;
        }

        var r = doc.Root;
        var le = r?["letsEncrypt"];
        var nf = r?["nodeFor"];
        var cf = r?["cloudflare"];
        var dd = r?["defaults"]?["deploy"];
        var hc = dd?["healthCheck"];
        var projects = Members(r, "projects")
            .Select(p => new ProjectSource(p.Key, Str(p.Value, "path"), Str(p.Value, "git"), Str(p.Value, "ref"), Str(p.Value, "dir") ?? ".hostenv")
            {
                ContainerAllow = [.. Strings(p.Value?["containers"], "allow").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            })
            .ToImmutableArray();
        return new ProviderConfig(
            (Str(r, "hostenvHostname") ?? "").TrimEnd('.').ToLowerInvariant(),
            Str(r, "deployUser") ?? "deploy",
            Strings(r, "deployPublicKeys"),
            new LetsEncryptConfig(Str(le, "adminEmail"), Bool(le, "acceptTerms") ?? false, Str(le, "directory") ?? LetsEncryptConfig.ProductionDirectory),
            new NodeForConfig(Str(nf, "default"), Str(nf, "production"), Str(nf, "testing"), Str(nf, "development")),
            new CloudflareConfig(Bool(cf, "enable") ?? false, Str(cf, "zoneId"), Str(cf, "apiTokenFile"), Str(cf, "apiTokenEnv")),
            projects,
            Resources(r?["defaults"]?["resources"]),
            new DeployDefaults(
                Int(dd, "parallel") ?? DeployDefaults.Default.Parallel,
                Int(dd, "keepReleases") ?? DeployDefaults.Default.KeepReleases,
                new HealthTimings(
                    Int(hc, "intervalSeconds") ?? HealthTimings.Default.IntervalSeconds,
                    Int(hc, "timeoutSeconds") ?? HealthTimings.Default.TimeoutSeconds,
                    Int(hc, "deadlineSeconds") ?? HealthTimings.Default.DeadlineSeconds)),
            doc.Map)
        {
            Notify = NotifyTargets(r),
            SecretRecipients = Strings(r?["secrets"], "recipients"),
        };
    }

    public static NodeConfig? ReadNode(string name, SourceFile file, DiagnosticBag diagnostics)
    {
        var doc = Load(file, SchemaKind.Node, diagnostics);
        if (doc is null)
        {
            return null;
        }

        var r = doc.Root;
        return new NodeConfig(
            name,
            Str(r, "address") ?? "",
            Int(r, "port") ?? 22,
            Str(r, "user"),
            Str(r, "hostKey"),
            Strings(r, "addresses"),
            Bool(r, "magicRollback") ?? true,
            Int(r, "confirmTimeoutSeconds") ?? 30,
            doc.Map);
    }

    public static ProjectManifest? ReadManifest(string projectName, SourceFile file, DeployDefaults deploy, DiagnosticBag diagnostics)
    {
        var doc = Load(file, SchemaKind.Hostenv, diagnostics);
        if (doc is null)
        {
            return null;
        }

        var r = doc.Root;
        var envs = Members(r, "environments")
            .Select(e => Environment(e.Key, e.Value, deploy))
            .ToImmutableArray();
        return new ProjectManifest(
            projectName,
            Str(r, "organisation") ?? "",
            Str(r, "project") ?? "",
            Str(r, "defaultEnvironment"),
            Users(r?["allEnvironments"]),
            envs,
            doc.Map);
    }

    private static YamlDocument? Load(SourceFile file, SchemaKind kind, DiagnosticBag diagnostics)
    {
        var local = new DiagnosticBag();
        var doc = YamlDocument.Parse(file, local);
        if (!local.HasErrors)
        {
            SchemaValidator.Validate(doc, kind, local);
        }

        diagnostics.AddRange(local.Items);
        return local.HasErrors ? null : doc;
    }

    private static EnvironmentSpec Environment(string name, JsonNode? e, DeployDefaults deploy)
    {
        var vhosts = Members(e, "virtualHosts")
            .Select(v => VirtualHost(v.Key, v.Value, name))
            .ToImmutableArray();
        var verification = e?["deploymentVerification"] is JsonArray va
            ? va.Select(v => new VerificationSpec(
                Str(v, "path") ?? "/",
                Str(v, "host"),
                Str(v, "scheme") ?? "http",
                Str(v, "expectStatus") ?? "200-399",
                Str(v, "bodyRegex"),
                Bool(v, "followRedirects") ?? false,
                Bool(v, "enforce") ?? true)).ToImmutableArray()
            : [];
        return new EnvironmentSpec(
            name,
            Bool(e, "enable") ?? true,
            Str(e, "type") ?? "development",
            Str(e, "node"),
            Users(e),
            vhosts,
            e?["app"] is JsonObject app ? App(app, deploy) : null,
            [.. Strings(e, "secrets").Order(StringComparer.Ordinal)],
            verification,
            Resources(e?["resources"]));
    }

    private static AppSpec App(JsonObject app, DeployDefaults deploy)
    {
        var hc = app["healthCheck"];
        var hooks = app["hooks"];
        var preset = Str(app, "preset");
        return new AppSpec(
            app.ContainsKey("build") || preset is null ? StringOrStrings(app, "build") : AppPreset.Build(preset),
            Int(app, "buildTimeoutSeconds") ?? 600,
            Str(app, "run") ?? (preset is null || app.ContainsKey("static") ? null : AppPreset.Run(preset)),
            Str(app, "static"),
            hc is JsonObject
                ? new HealthCheckSpec(
                    Str(hc, "path") ?? "/",
                    Int(hc, "intervalSeconds") ?? deploy.HealthCheck.IntervalSeconds,
                    Int(hc, "timeoutSeconds") ?? deploy.HealthCheck.TimeoutSeconds,
                    Int(hc, "deadlineSeconds") ?? deploy.HealthCheck.DeadlineSeconds,
                    Str(hc, "expectStatus") ?? "200-399")
                : null,
            Str(hooks, "preDeploy"),
            Str(hooks, "postDeploy"),
            Int(app, "keepReleases") ?? deploy.KeepReleases,
            [.. Strings(app, "sharedDirs").Order(StringComparer.Ordinal)],
            [.. Strings(app["sandbox"], "allow").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)])
        {
            Data = [.. Strings(app, "data").Order(StringComparer.Ordinal)],
            Compose = app["compose"] is JsonObject compose
                ? new ComposeSpec(Str(compose, "file") ?? "", Str(compose, "service") ?? "", Int(compose, "port") ?? 0)
                : null,
            Preset = preset,
        };
    }

    private static VirtualHostSpec VirtualHost(string name, JsonNode? v, string environmentName)
    {
        var s = v?["security"];
        var d = SecuritySpec.Default;
        var security = s is JsonObject so
            ? new SecuritySpec(
                so.ContainsKey("referrerPolicy") ? Str(so, "referrerPolicy") : d.ReferrerPolicy,
                so.ContainsKey("xFrameOptions") ? Str(so, "xFrameOptions") : d.XFrameOptions,
                Bool(so, "xContentTypeOptions") ?? d.XContentTypeOptions,
                Str(so, "reportTo"),
                Bool(so, "hsts"),
                Str(so, "csp"),
                Str(so, "cspReportTo"),
                Str(so, "cspMode") ?? d.CspMode)
            : d;
        var locations = Members(v, "locations")
            .Select(l => new LocationSpec(
                l.Key, Str(l.Value, "proxyPass"), Str(l.Value, "root"), Str(l.Value, "alias"),
                Str(l.Value, "index"), Str(l.Value, "tryFiles"), Str(l.Value, "return"), Str(l.Value, "extraConfig")))
            .ToImmutableArray();
        return new VirtualHostSpec(
            name,
            environmentName,
            Bool(v, "enableLetsEncrypt") ?? true,
            Bool(v, "forceSSL"),
            Str(v, "globalRedirect"),
            Int(v, "redirectCode"),
            Strings(v, "serverAliases"), // in file order, so a problem can point at its entry; output sorts them
            locations,
            Str(v, "extraConfig"),
            Bool(v, "allowIndexing"),
            Bool(v, "hsts"),
            security);
    }

    private static ImmutableArray<NotifyTarget> NotifyTargets(JsonNode? root) =>
        root?["notify"] is JsonArray list
            ? [.. list.Select((n, i) => new NotifyTarget(
                Str(n, "name") ?? "",
                Str(n, "url"),
                Str(n, "urlEnv"),
                NotifyNames.Format(Str(n, "format") ?? "json"),
                n?["on"] is JsonArray ? [.. Strings(n, "on").Select(NotifyNames.Event)] : NotifyNames.AllEvents,
                "/notify/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))]
            : [];

    private static ImmutableArray<UserSpec> Users(JsonNode? parent) =>
        [.. Members(parent, "users").Select(u => new UserSpec(u.Key, Str(u.Value, "email"), Strings(u.Value, "publicKeys")))];

    private static ResourceLimits Resources(JsonNode? r) =>
        r is JsonObject ? new ResourceLimits(Str(r, "cpuQuota"), Str(r, "memoryMax")) : ResourceLimits.None;
}
