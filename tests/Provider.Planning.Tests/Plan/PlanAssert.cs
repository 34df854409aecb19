using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Provider.Planning.Gate;
using Provider.Planning.Plan;

namespace Provider.Planning.Tests.Plan;

/// <summary>
/// Compares a <see cref="FleetPlan"/> with the plan.json it was read from by walking the JSON on its own, field by
/// field, so a reader that drops, defaults or mislabels a field fails with the path of that field. The key sets of
/// the typed objects are checked too: a field the writer adds must be added to the model (or to this list).
/// </summary>
internal static class PlanAssert
{
    public static void Matches(JsonObject json, FleetPlan plan)
    {
        Keys(json, "$", "cloudflare", "deploy", "deployUser", "environments", "hostenvHostname", "inputsHash", "nodeConnections", "nodes", "planFormat");
        Eq(Int(json["planFormat"]), plan.PlanFormat, "$.planFormat");
        Eq(Str(json["inputsHash"]), plan.InputsHash, "$.inputsHash");
        Eq(Str(json["hostenvHostname"]), plan.HostenvHostname, "$.hostenvHostname");
        Eq(Str(json["deployUser"]), plan.DeployUser, "$.deployUser");

        var cf = Obj(json["cloudflare"], "$.cloudflare");
        Keys(cf, "$.cloudflare", "apiTokenEnv", "apiTokenFile", "enable", "zoneId");
        Eq(Bool(cf["enable"]), plan.Cloudflare.Enable, "$.cloudflare.enable");
        Eq(Str(cf["zoneId"]), plan.Cloudflare.ZoneId, "$.cloudflare.zoneId");
        Eq(Str(cf["apiTokenFile"]), plan.Cloudflare.ApiTokenFile, "$.cloudflare.apiTokenFile");
        Eq(Str(cf["apiTokenEnv"]), plan.Cloudflare.ApiTokenEnv, "$.cloudflare.apiTokenEnv");

        var deploy = Obj(json["deploy"], "$.deploy");
        Keys(deploy, "$.deploy", "keepReleases", "parallel");
        Eq(Int(deploy["keepReleases"]), plan.Deploy.KeepReleases, "$.deploy.keepReleases");
        Eq(Int(deploy["parallel"]), plan.Deploy.Parallel, "$.deploy.parallel");

        var connections = Obj(json["nodeConnections"], "$.nodeConnections");
        Names(connections, plan.NodeConnections.Keys, "$.nodeConnections");
        foreach (var (name, value) in connections)
        {
            var path = "$.nodeConnections." + name;
            var c = Obj(value, path);
            var model = plan.NodeConnections[name];
            Keys(c, path, "hostKey", "hostname", "port", "user");
            Eq(name, model.Node, path);
            Eq(Str(c["hostname"]), model.Hostname, path + ".hostname");
            Eq(Int(c["port"]), model.Port, path + ".port");
            Eq(Str(c["user"]), model.User, path + ".user");
            Eq(Str(c["hostKey"]), model.HostKey, path + ".hostKey");
        }

        var environments = Obj(json["environments"], "$.environments");
        Names(environments, plan.Environments.Keys, "$.environments");
        foreach (var (name, value) in environments)
        {
            Environment(Obj(value, "$.environments." + name), plan.Environments[name], "$.environments." + name);
        }

        var nodes = Obj(json["nodes"], "$.nodes");
        Names(nodes, plan.Nodes.Keys, "$.nodes");
        foreach (var (name, value) in nodes)
        {
            Node(name, Obj(value, "$.nodes." + name), plan.Nodes[name], plan, "$.nodes." + name);
        }
    }

    private static void Environment(JsonObject e, EnvironmentPlan env, string path)
    {
        Keys(e, path, "app", "authorizedKeys", "deploymentVerification", "enable", "environmentName", "hostname", "isDefaultEnvironment", "node",
            "organisation", "paths", "previousNode", "project", "projectName", "resources", "secrets", "source", "type", "uid", "userName", "users", "virtualHosts");
        Eq(Str(e["userName"]), env.UserName, path + ".userName");
        Eq(Int(e["uid"]), env.Uid, path + ".uid");
        Eq(Str(e["node"]), env.Node, path + ".node");
        Eq(Str(e["previousNode"]), env.PreviousNode, path + ".previousNode");
        Eq(Str(e["type"]), env.Type, path + ".type");
        Eq(Bool(e["enable"]), env.Enable, path + ".enable");
        Eq(Str(e["organisation"]), env.Organisation, path + ".organisation");
        Eq(Str(e["project"]), env.Project, path + ".project");
        Eq(Str(e["projectName"]), env.ProjectName, path + ".projectName");
        Eq(Str(e["environmentName"]), env.EnvironmentName, path + ".environmentName");
        Eq(Str(e["hostname"]), env.Hostname, path + ".hostname");
        Eq(Bool(e["isDefaultEnvironment"]), env.IsDefaultEnvironment, path + ".isDefaultEnvironment");
        Seq(Strs(e["virtualHosts"]), env.VirtualHosts, path + ".virtualHosts");
        Seq(Strs(e["secrets"]), env.Secrets, path + ".secrets");
        Seq(Strs(e["authorizedKeys"]), env.AuthorizedKeys, path + ".authorizedKeys");

        var paths = Obj(e["paths"], path + ".paths");
        Keys(paths, path + ".paths", "cacheDir", "dataDir", "home", "runtimeDir", "stateDir", "upstreamRuntimeDir");
        Eq(Str(paths["home"]), env.Paths.Home, path + ".paths.home");
        Eq(Str(paths["runtimeDir"]), env.Paths.RuntimeDir, path + ".paths.runtimeDir");
        Eq(Str(paths["upstreamRuntimeDir"]), env.Paths.UpstreamRuntimeDir, path + ".paths.upstreamRuntimeDir");
        Eq(Str(paths["dataDir"]), env.Paths.DataDir, path + ".paths.dataDir");
        Eq(Str(paths["stateDir"]), env.Paths.StateDir, path + ".paths.stateDir");
        Eq(Str(paths["cacheDir"]), env.Paths.CacheDir, path + ".paths.cacheDir");

        var resources = Obj(e["resources"], path + ".resources");
        Keys(resources, path + ".resources", "cpuQuota", "memoryMax");
        Eq(Str(resources["cpuQuota"]), env.Resources.CpuQuota, path + ".resources.cpuQuota");
        Eq(Str(resources["memoryMax"]), env.Resources.MemoryMax, path + ".resources.memoryMax");

        var source = Obj(e["source"], path + ".source");
        Keys(source, path + ".source", "dir", "git", "path", "ref", "rev");
        Eq(Str(source["path"]), env.Source.Path, path + ".source.path");
        Eq(Str(source["git"]), env.Source.Git, path + ".source.git");
        Eq(Str(source["ref"]), env.Source.Ref, path + ".source.ref");
        Eq(Str(source["rev"]), env.Source.Rev, path + ".source.rev");
        Eq(Str(source["dir"]), env.Source.Dir, path + ".source.dir");

        App(e["app"] as JsonObject, env.App, path + ".app");

        var users = Obj(e["users"], path + ".users");
        Names(users, env.Users.Keys, path + ".users");
        foreach (var (id, value) in users)
        {
            var u = Obj(value, $"{path}.users.{id}");
            Keys(u, $"{path}.users.{id}", "email", "publicKeys");
            Eq(id, env.Users[id].Id, $"{path}.users.{id}");
            Eq(Str(u["email"]), env.Users[id].Email, $"{path}.users.{id}.email");
            Seq(Strs(u["publicKeys"]), env.Users[id].PublicKeys, $"{path}.users.{id}.publicKeys");
        }

        var checks = e["deploymentVerification"]?.AsArray() ?? [];
        Eq(checks.Count, env.DeploymentVerification.Length, path + ".deploymentVerification (count)");
        for (var i = 0; i < checks.Count; i++)
        {
            var p = $"{path}.deploymentVerification[{i}]";
            var c = Obj(checks[i], p);
            var model = env.DeploymentVerification[i];
            Keys(c, p, "bodyRegex", "enforce", "expectStatus", "followRedirects", "host", "path", "scheme");
            Eq(Str(c["scheme"]), model.Scheme, p + ".scheme");
            Eq(Str(c["host"]), model.Host, p + ".host");
            Eq(Str(c["path"]), model.Path, p + ".path");
            Eq(Str(c["expectStatus"]), model.ExpectStatus, p + ".expectStatus");
            Eq(Str(c["bodyRegex"]), model.BodyRegex, p + ".bodyRegex");
            Eq(Bool(c["followRedirects"]), model.FollowRedirects, p + ".followRedirects");
            Eq(Bool(c["enforce"]), model.Enforce, p + ".enforce");
        }
    }

    private static void App(JsonObject? a, AppPlan? app, string path)
    {
        Assert.True((a is null) == (app is null), $"{path}: json {(a is null ? "null" : "an object")}, model {(app is null ? "null" : "an app")}");
        if (a is null || app is null)
        {
            return;
        }

        Keys(a, path, "build", "buildTimeoutSeconds", "compose", "healthCheck", "hooks", "keepReleases", "run", "sandbox", "sharedDirs", "static");
        Assert.True((a["compose"] is null) == (app.Compose is null), $"{path}.compose: json {(a["compose"] is null ? "null" : "an object")}, model {(app.Compose is null ? "null" : "set")}");
        if (a["compose"] is JsonObject compose && app.Compose is { } c)
        {
            Keys(compose, path + ".compose", "file", "fileSha256", "port", "service");
            Eq(Str(compose["file"]), c.File, path + ".compose.file");
            Eq(Str(compose["fileSha256"]), c.FileSha256, path + ".compose.fileSha256");
            Eq(Str(compose["service"]), c.Service, path + ".compose.service");
            Eq(Int(compose["port"]), c.Port, path + ".compose.port");
        }

        Seq(Strs(a["build"]), app.Build, path + ".build");
        Eq(Int(a["buildTimeoutSeconds"]), app.BuildTimeoutSeconds, path + ".buildTimeoutSeconds");
        Eq(Str(a["run"]), app.Run, path + ".run");
        Eq(Str(a["static"]), app.Static, path + ".static");
        Eq(Int(a["keepReleases"]), app.KeepReleases, path + ".keepReleases");
        Seq(Strs(a["sharedDirs"]), app.SharedDirs, path + ".sharedDirs");
        var sandbox = Obj(a["sandbox"], path + ".sandbox");
        Keys(sandbox, path + ".sandbox", "allow");
        Seq(Strs(sandbox["allow"]), app.SandboxAllow, path + ".sandbox.allow");
        var hooks = Obj(a["hooks"], path + ".hooks");
        Keys(hooks, path + ".hooks", "postDeploy", "preDeploy");
        Eq(Str(hooks["preDeploy"]), app.Hooks.PreDeploy, path + ".hooks.preDeploy");
        Eq(Str(hooks["postDeploy"]), app.Hooks.PostDeploy, path + ".hooks.postDeploy");

        var hc = a["healthCheck"] as JsonObject;
        Assert.True((hc is null) == (app.HealthCheck is null), $"{path}.healthCheck: json and model disagree on null");
        if (hc is not null && app.HealthCheck is { } check)
        {
            Keys(hc, path + ".healthCheck", "deadlineSeconds", "expectStatus", "intervalSeconds", "path", "timeoutSeconds");
            Eq(Str(hc["path"]), check.Path, path + ".healthCheck.path");
            Eq(Int(hc["intervalSeconds"]), check.IntervalSeconds, path + ".healthCheck.intervalSeconds");
            Eq(Int(hc["timeoutSeconds"]), check.TimeoutSeconds, path + ".healthCheck.timeoutSeconds");
            Eq(Int(hc["deadlineSeconds"]), check.DeadlineSeconds, path + ".healthCheck.deadlineSeconds");
            Eq(Str(hc["expectStatus"]), check.ExpectStatus, path + ".healthCheck.expectStatus");
        }
    }

    private static void Node(string name, JsonObject n, NodePlan node, FleetPlan plan, string path)
    {
        Eq(name, node.Name, path);
        Eq(Str(n["canonicalName"]), node.CanonicalName, path + ".canonicalName");
        Eq(Str(n["address"]), node.Address, path + ".address");
        Seq(Strs(n["addresses"]), node.Addresses, path + ".addresses");
        Eq(Int(n["confirmTimeoutSeconds"]), node.ConfirmTimeoutSeconds, path + ".confirmTimeoutSeconds");
        Eq(Bool(n["magicRollback"]), node.MagicRollback, path + ".magicRollback");
        Eq(Bool(n["containers"]), node.Containers, path + ".containers");
        Seq(Strs(n["environments"]), node.Environments, path + ".environments");
        Seq(Strs(n["environments"]), [.. plan.EnvironmentsOn(name).Select(e => e.UserName)], path + ".environments (EnvironmentsOn)");
        Assert.True(JsonNode.DeepEquals(n, JsonNode.Parse(node.Raw.GetRawText())), path + ": Raw differs from the JSON");

        var stamp = n["dnsGate"] as JsonObject;
        Assert.True((stamp is null) == (node.DnsGate is null), $"{path}.dnsGate: json and model disagree on null");
        if (stamp is not null && node.DnsGate is { } gate)
        {
            Keys(stamp, path + ".dnsGate", GateStamp.Key);
            Eq(Str(stamp[GateStamp.Key]), gate.VhostsHash, path + ".dnsGate." + GateStamp.Key);
        }

        var vhosts = Obj(n["services"]?["nginx"]?["virtualHosts"], path + ".services.nginx.virtualHosts");
        Names(vhosts, node.VirtualHosts.Keys, path + ".services.nginx.virtualHosts");
        foreach (var (host, value) in vhosts)
        {
            var p = $"{path}.services.nginx.virtualHosts['{host}']";
            var v = Obj(value, p);
            var model = node.VirtualHosts[host];
            Eq(host, model.Name, p);
            Eq(Str(v["owner"]), model.Owner, p + ".owner");
            Eq(Bool(v["enableACME"]), model.EnableAcme, p + ".enableACME");
            Eq(Bool(v["forceSSL"]), model.ForceSsl, p + ".forceSSL");
            VhostGate(v["dnsGate"] as JsonObject, model.DnsGate, p + ".dnsGate");
        }
    }

    private static void VhostGate(JsonObject? g, VhostGate? gate, string path)
    {
        Assert.True((g is null) == (gate is null), $"{path}: json and model disagree on null");
        if (g is null || gate is null)
        {
            return;
        }

        Keys(g, path, "expected", "observed", "planned", "reason", "status");
        Eq(Str(g["status"]), GateDecision.StatusName(gate.Status), path + ".status");
        Eq(Str(g["expected"]), gate.Expected, path + ".expected");
        Seq(Strs(g["observed"]), gate.Observed, path + ".observed");
        Eq(Str(g["reason"]), gate.Reason, path + ".reason");
        var planned = Obj(g["planned"], path + ".planned");
        Keys(planned, path + ".planned", "enableACME", "forceSSL", "hsts");
        Eq(Bool(planned["enableACME"]), gate.Planned.EnableAcme, path + ".planned.enableACME");
        Eq(Bool(planned["forceSSL"]), gate.Planned.ForceSsl, path + ".planned.forceSSL");
        Eq(Str(planned["hsts"]), gate.Planned.Hsts, path + ".planned.hsts");
    }

    private static JsonObject Obj(JsonNode? node, string path) => node as JsonObject ?? throw new Xunit.Sdk.XunitException($"{path}: not an object in the JSON");

    private static string? Str(JsonNode? node) => node?.GetValue<string>();

    private static int? Int(JsonNode? node) => node?.GetValue<int>();

    private static bool? Bool(JsonNode? node) => node?.GetValue<bool>();

    private static string[] Strs(JsonNode? node) => [.. (node as JsonArray ?? []).Select(i => i?.GetValue<string>() ?? "<null>")];

    private static void Eq<T>(T expected, T actual, string path) =>
        Assert.True(EqualityComparer<T>.Default.Equals(expected, actual), $"{path}: json has {expected?.ToString() ?? "null"}, the model {actual?.ToString() ?? "null"}");

    private static void Eq<T>(T? expected, T actual, string path)
        where T : struct =>
        Assert.True(expected.HasValue && EqualityComparer<T>.Default.Equals(expected.Value, actual), $"{path}: json has {expected?.ToString() ?? "null"}, the model {actual}");

    private static void Seq(string[] expected, ImmutableArray<string> actual, string path) =>
        Assert.True(expected.SequenceEqual(actual), $"{path}: json has [{string.Join(", ", expected)}], the model [{string.Join(", ", actual)}]");

    private static void Keys(JsonObject obj, string path, params string[] expected) =>
        Assert.True(obj.Select(p => p.Key).Order(StringComparer.Ordinal).SequenceEqual(expected.Order(StringComparer.Ordinal)),
            $"{path}: the JSON has keys [{string.Join(", ", obj.Select(p => p.Key))}], the read model covers [{string.Join(", ", expected)}]");

    private static void Names(JsonObject obj, IEnumerable<string> modelKeys, string path) =>
        Assert.True(obj.Select(p => p.Key).SequenceEqual(modelKeys), $"{path}: json has [{string.Join(", ", obj.Select(p => p.Key))}], the model [{string.Join(", ", modelKeys)}]");
}
