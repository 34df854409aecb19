using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Provider.Planning.Diagnostics;
using Provider.Planning.Identity;
using Provider.Planning.Inputs;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

/// <summary>
/// The pure planner (DESIGN §5): inputs as text in, plan and state as bytes out, plus diagnostics.
/// Any error means no output. Never throws for a user mistake.
/// </summary>
public static partial class FleetPlanner
{
    public static PlanResult Plan(PlanInput input)
    {
        var diagnostics = new DiagnosticBag();
        var provider = InputBinder.ReadProvider(input.Provider, diagnostics);
        var nodes = NodeReader.Read(input.Nodes, diagnostics);
        var unreadableNodes = input.Nodes.Select(n => n.Name).Where(n => !nodes.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
        var state = StateReader.Read(input.PreviousState, diagnostics);
        if (provider is null)
        {
            return new PlanResult(diagnostics.Sorted().ToImmutableArray(), null, null, null);
        }

        var manifests = ReadProjects(provider, input.Projects, diagnostics);
        ProviderChecks.DeployKeys(provider, diagnostics);
        ProviderChecks.Notify(provider, diagnostics);
        CheckNodeFor(provider, nodes, unreadableNodes, diagnostics);
        var environments = Reserve(provider, nodes, unreadableNodes, manifests, state, input.PreviousState?.Name ?? "generated/state.json", diagnostics);
        ProviderChecks.DerivedNames(provider, nodes.Keys, environments.Select(e => e.UserName), diagnostics);
        Secrets.EncryptedSecretsPlanner.CheckOperatorRecipients(provider, diagnostics);
        environments = Secrets.EncryptedSecretsPlanner.Attach(provider, nodes, input.Projects, environments, diagnostics);
        environments = ComposePlanner.Attach(input.Projects, environments, diagnostics);
        if (diagnostics.HasErrors)
        {
            return new PlanResult(diagnostics.Sorted().ToImmutableArray(), null, null, null);
        }

        var newState = NextState(state, environments);
        var fleet = new PlannedFleet(provider, [.. nodes.Values], environments, newState, InputsHash(input));
        if (GateCarryOver.Apply(PlanDocument.Write(fleet), input.PreviousPlan, diagnostics) is not { } plan)
        {
            return new PlanResult(diagnostics.Sorted().ToImmutableArray(), null, null, null);
        }

        return new PlanResult(diagnostics.Sorted().ToImmutableArray(), fleet, plan, StateReader.Write(newState));
    }

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\z")]
    private static partial Regex NodeNamePattern();

    /// <summary>A node's directory name: lowercase letters, digits and inner '-', at most 63 characters.</summary>
    internal static bool IsNodeName(string name) => NodeNamePattern().IsMatch(name);

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]*__[a-z0-9][a-z0-9-]*\z")]
    private static partial Regex ProjectNamePattern();

    private static List<(ProjectSource Source, ProjectManifest Manifest, string? Rev)> ReadProjects(
        ProviderConfig provider, ImmutableArray<ProjectInput> inputs, DiagnosticBag diagnostics)
    {
        var byName = inputs.ToDictionary(p => p.Name, StringComparer.Ordinal);
        // Parsing and schema-validating the manifests is most of the planner's time and each is independent:
        // read them on every core. Each gets its own diagnostics, merged below only for sources that pass the
        // checks before it, so the diagnostics (sorted at the end anyway) are those of a sequential read.
        var preread = provider.Projects
            .Where(s => byName.TryGetValue(s.Name, out var input) && input.Manifest is not null)
            .AsParallel().AsOrdered()
            .Select(s =>
            {
                var bag = new DiagnosticBag();
                return (s.Name, Manifest: InputBinder.ReadManifest(s.Name, byName[s.Name].Manifest!, provider.Deploy, bag), Diagnostics: bag);
            })
            .ToDictionary(r => r.Name, r => (r.Manifest, r.Diagnostics), StringComparer.Ordinal);
        var result = new List<(ProjectSource, ProjectManifest, string?)>();
        foreach (var source in provider.Projects)
        {
            var pointer = YamlDocument.Child("/projects", source.Name);
            var field = YamlDocument.FieldPath(pointer);
            if (!ProjectNamePattern().IsMatch(source.Name))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidName, DiagnosticLevel.Error,
                    $"project name '{source.Name}' must be '<organisation>__<project>'",
                    provider.Source.KeyPositionOf(pointer), field,
                    "lowercase letters, digits and '-', with '__' between organisation and project, e.g. acme__shop"));
                continue;
            }

            if ((source.Path is null) == (source.Git is null))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error,
                    $"project '{source.Name}' needs exactly one of 'path' or 'git'",
                    provider.Source.PositionOf(pointer), field,
                    "use 'path: examples/demo' for a directory in this repo, or 'git: URL' with 'ref: BRANCH'"));
                continue;
            }

            if (source.Path is not null && !IsSafeRelativePath(source.Path))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error,
                    $"path '{source.Path}' must stay inside the provider repo",
                    provider.Source.PositionOf(pointer + "/path"), field + ".path",
                    "use a relative path without '..', e.g. examples/demo"));
                continue;
            }

            if (!IsSafeRelativePath(source.Dir))
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidValue, DiagnosticLevel.Error, $"dir '{source.Dir}' must be a relative path inside the project",
                    provider.Source.PositionOf(pointer + "/dir"), field + ".dir", "the default is .hostenv"));
                continue;
            }

            if (!byName.TryGetValue(source.Name, out var projectInput) || projectInput.Manifest is null)
            {
                var missing = projectInput?.Missing ?? new MissingManifest($"project '{source.Name}' has no manifest", "check its path/git and dir");
                // Point at what the operator would fix: the path or git URL.
                var at = pointer + (source.Git is not null ? "/git" : "/path");
                diagnostics.Add(new Diagnostic(missing.Code, DiagnosticLevel.Error, missing.Message,
                    provider.Source.PositionOf(at), YamlDocument.FieldPath(at), missing.Hint));
                continue;
            }

            var (manifest, manifestDiagnostics) = preread[source.Name];
            diagnostics.AddRange(manifestDiagnostics.Items);
            if (manifest is not null && CheckManifest(source, manifest, diagnostics))
            {
                result.Add((source, manifest, projectInput.Rev));
            }
        }

        return result;
    }

    public static bool IsSafeRelativePath(string path) =>
        path.Length > 0
        && !path.StartsWith('/')
        && !path.Contains('\\', StringComparison.Ordinal)
        && !path.Split('/').Any(part => part == "..")
        && path.All(c => !char.IsControl(c));

    private static bool CheckManifest(ProjectSource source, ProjectManifest manifest, DiagnosticBag diagnostics)
    {
        var ok = true;
        var doc = manifest.Source;
        var parts = source.Name.Split("__");
        var organisationDiffers = HostenvIdentity.Normalise(parts[0]) != HostenvIdentity.Normalise(manifest.Organisation);
        if (organisationDiffers || HostenvIdentity.Normalise(parts[1]) != HostenvIdentity.Normalise(manifest.Project))
        {
            // Point at the field that differs (organisation first), not always at project.
            var field = organisationDiffers ? "organisation" : "project";
            diagnostics.Add(new Diagnostic(
                ManifestCodes.ProjectMismatch, DiagnosticLevel.Error,
                $"manifest declares '{manifest.Organisation}/{manifest.Project}' but provider.yaml lists it as '{source.Name}'",
                doc.PositionOf("/" + field), field,
                $"make organisation and project match the name '{source.Name}', or rename the entry in provider.yaml"));
            ok = false;
        }

        ok &= ManifestChecks.Identity(manifest, diagnostics);

        if (manifest.DefaultEnvironment is { } def && !manifest.Environments.Any(e => e.Name == def))
        {
            diagnostics.Add(new Diagnostic(
                PlanCodes.DefaultEnvironmentUnknown, DiagnosticLevel.Error,
                $"defaultEnvironment '{def}' is not one of the environments",
                doc.PositionOf("/defaultEnvironment"), "defaultEnvironment",
                "known environments: " + string.Join(", ", manifest.Environments.Select(e => e.Name))));
            ok = false;
        }

        foreach (var env in manifest.Environments)
        {
            ok &= ManifestChecks.Environment(doc, env, diagnostics);
        }

        // The first production environment in the file is the one that stands; each later one is reported where it is.
        // Ordering by position re-reads the file for its positions, so only when there is something to report.
        var productions = manifest.Environments.Where(e => e.Enable && e.Type == "production").ToList();
        if (productions.Count > 1)
        {
            productions = [.. productions.OrderBy(e => doc.PositionOf(e.Pointer + "/type").Line).ThenBy(e => doc.PositionOf(e.Pointer + "/type").Column)];
        }

        foreach (var env in productions.Skip(1))
        {
            var production = productions[0];
            diagnostics.Add(new Diagnostic(
                PlanCodes.TwoProductionEnvironments, DiagnosticLevel.Error,
                $"environments '{production.Name}' and '{env.Name}' are both enabled with type production",
                doc.PositionOf(env.Pointer + "/type"), YamlDocument.FieldPath(env.Pointer + "/type"),
                $"a project has at most one enabled production environment (the other is at line {doc.PositionOf(production.Pointer + "/type").Line}); make one testing or disable it"));
            ok = false;
        }

        return ok;
    }

    private static void CheckNodeFor(ProviderConfig provider, ImmutableSortedDictionary<string, NodeConfig> nodes, HashSet<string> unreadable, DiagnosticBag diagnostics)
    {
        var entries = new (string Key, string? Node)[]
        {
            ("default", provider.NodeFor.Default), ("development", provider.NodeFor.Development),
            ("production", provider.NodeFor.Production), ("testing", provider.NodeFor.Testing),
        };
        foreach (var (key, node) in entries)
        {
            if (node is not null && !nodes.ContainsKey(node) && !unreadable.Contains(node))
            {
                diagnostics.Add(UnknownNode(node, provider.Source.PositionOf("/nodeFor/" + key), "nodeFor." + key, nodes));
            }
        }
    }

    private static Diagnostic UnknownNode(string node, SourcePosition position, string field, ImmutableSortedDictionary<string, NodeConfig> nodes)
    {
        var close = Suggest.Closest(node, [.. nodes.Keys]);
        return new Diagnostic(
            PlanCodes.UnknownNode, DiagnosticLevel.Error,
            $"node '{node}' has no nodes/{node}/node.yaml" + (close is null ? "" : $"; did you mean '{close}'?"),
            position, field,
            nodes.Count == 0 ? "add nodes/<name>/node.yaml (hostenv-provider node add NAME --address HOST)" : "known nodes: " + string.Join(", ", nodes.Keys));
    }

    private static ImmutableArray<PlannedEnvironment> Reserve(
        ProviderConfig provider,
        ImmutableSortedDictionary<string, NodeConfig> nodes,
        HashSet<string> unreadableNodes,
        List<(ProjectSource Source, ProjectManifest Manifest, string? Rev)> projects,
        ProviderState state,
        string stateFile,
        DiagnosticBag diagnostics)
    {
        var ordered = projects
            .OrderBy(p => p.Source.Name, StringComparer.Ordinal)
            .SelectMany(p => p.Manifest.Environments.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => (p.Source, p.Manifest, p.Rev, Env: e)))
            .ToList();

        // Sized up front: at 10,000 environments each doubling was another large array for the GC.
        var owners = new Dictionary<string, (ProjectManifest Manifest, EnvironmentSpec Env)>(ordered.Count, StringComparer.Ordinal);
        var declared = new List<(ProjectSource Source, ProjectManifest Manifest, string? Rev, EnvironmentSpec Env, string UserName, string? Node)>(ordered.Count);
        foreach (var (source, manifest, rev, env) in ordered)
        {
            var userName = HostenvIdentity.UserName(manifest.Organisation, manifest.Project, env.Name);
            if (owners.TryGetValue(userName, out var first))
            {
                diagnostics.Add(new Diagnostic(
                    PlanCodes.UserNameCollision, DiagnosticLevel.Error,
                    $"environment '{env.Name}' gets user name '{userName}', already taken by '{first.Env.Name}' of {first.Manifest.Source.File}",
                    manifest.Source.KeyPositionOf(env.Pointer), YamlDocument.FieldPath(env.Pointer),
                    "two projects with the same organisation and project name produce the same identities; rename one"));
                continue;
            }

            owners[userName] = (manifest, env);
            var node = env.Node ?? provider.NodeFor.For(env.Type);
            if (node is null)
            {
                diagnostics.Add(new Diagnostic(
                    PlanCodes.NoNodeForType, DiagnosticLevel.Error,
                    $"no node for environment '{env.Name}' (type {env.Type})",
                    manifest.Source.KeyPositionOf(env.Pointer), YamlDocument.FieldPath(env.Pointer),
                    $"set 'node:' on the environment, or nodeFor.{env.Type} / nodeFor.default in provider.yaml"));
            }
            else if (!nodes.ContainsKey(node) && !unreadableNodes.Contains(node) && env.Node is not null)
            {
                // A node that comes from nodeFor was already reported there, once.
                diagnostics.Add(UnknownNode(node, manifest.Source.PositionOf(env.Pointer + "/node"), YamlDocument.FieldPath(env.Pointer + "/node"), nodes));
            }

            declared.Add((source, manifest, rev, env, userName, node));
        }

        VhostClaims.Check(provider, declared.Select(d => (d.Manifest, d.Env, d.UserName)).ToList(), state, stateFile, owners.Keys.ToHashSet(StringComparer.Ordinal), diagnostics);

        var nextUid = Math.Max(PlanLimits.UidFloor, state.UidHighWaterMark) + 1;
        var result = ImmutableArray.CreateBuilder<PlannedEnvironment>(declared.Count);
        foreach (var d in declared)
        {
            int uid;
            var isNew = !state.Entries.TryGetValue(d.UserName, out var previous);
            if (previous is not null)
            {
                uid = previous.Uid;
            }
            else if (nextUid > PlanLimits.MaxUid)
            {
                diagnostics.Add(new Diagnostic(
                    PlanCodes.UidExhausted, DiagnosticLevel.Error,
                    $"no UID left for '{d.UserName}': every UID up to {PlanLimits.MaxUid} has been reserved",
                    d.Manifest.Source.KeyPositionOf(d.Env.Pointer), YamlDocument.FieldPath(d.Env.Pointer),
                    "UIDs are never reused; this fleet needs a new provider state or fewer environments"));
                continue;
            }
            else
            {
                uid = nextUid++;
            }

            // Sticky until the environment moves again, so re-planning over our own state changes nothing.
            var previousNode = previous is null ? null
                : previous.Node.Length > 0 && previous.Node != d.Node ? previous.Node
                : previous.PreviousNode;
            result.Add(new PlannedEnvironment(
                d.UserName, uid, d.Node ?? "", previousNode, isNew, d.Manifest, d.Source, d.Rev, d.Env,
                EnvironmentVhosts(provider, d.Env, d.UserName)));
        }

        return result.DrainToImmutable();
    }

    /// <summary>Every name an environment holds: declared vhosts, their aliases and the canonical &lt;userName&gt;.&lt;hostenvHostname&gt;.</summary>
    internal static ImmutableArray<string> EnvironmentVhosts(ProviderConfig provider, EnvironmentSpec env, string userName)
    {
        // Sorted, then each name once: a loop rather than a LINQ pipeline, as this runs for every environment.
        var names = new List<string>(env.VirtualHosts.Length + 1) { CanonicalHost(provider, userName) };
        foreach (var vhost in env.VirtualHosts)
        {
            names.Add(Vhosts.Normalise(vhost.Name));
            foreach (var alias in vhost.ServerAliases)
            {
                names.Add(Vhosts.Normalise(alias));
            }
        }

        names.Sort(StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<string>(names.Count);
        foreach (var name in names)
        {
            if (result.Count == 0 || !string.Equals(result[^1], name, StringComparison.Ordinal))
            {
                result.Add(name);
            }
        }

        return result.DrainToImmutable();
    }

    public static string CanonicalHost(ProviderConfig provider, string userName) => $"{userName}.{provider.HostenvHostname}";

    private static ProviderState NextState(ProviderState previous, ImmutableArray<PlannedEnvironment> environments)
    {
        var entries = previous.Entries.ToBuilder();
        foreach (var env in environments)
        {
            entries[env.UserName] = new StateEntry(env.UserName, env.Uid, env.Node, env.VirtualHosts, env.PreviousNode);
        }

        var maxUid = entries.Count == 0 ? 0 : entries.Values.Max(e => e.Uid);
        return previous with { Entries = entries.ToImmutable(), UidHighWaterMark = Math.Max(previous.UidHighWaterMark, maxUid) };
    }

    /// <summary>What `deploy` compares to refuse a stale plan: every input except the generated state.</summary>
    private static string InputsHash(PlanInput input)
    {
        // SHA-256 over the lines "name\0rev\0sha256-of-text\n", fed as they are made rather than joined into one
        // text first; the bytes hashed are the same.
        using var outer = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var digest = new byte[SHA256.HashSizeInBytes];
        var hex = new char[SHA256.HashSizeInBytes * 2];
        byte[] buffer = [];
        void Add(string name, string text, string? rev)
        {
            AppendUtf8(outer, name, ref buffer);
            outer.AppendData("\0"u8);
            AppendUtf8(outer, rev ?? "", ref buffer);
            outer.AppendData("\0"u8);
            var length = Encoding.UTF8.GetByteCount(text);
            if (buffer.Length < length)
            {
                buffer = new byte[Math.Max(length, buffer.Length * 2)];
            }

            Encoding.UTF8.GetBytes(text, buffer);
            SHA256.HashData(buffer.AsSpan(0, length), digest);
            Convert.TryToHexStringLower(digest, hex, out _);
            AppendUtf8(outer, hex, ref buffer);
            outer.AppendData("\n"u8);
        }

        Add(input.Provider.Name, input.Provider.Text, null);
        foreach (var n in input.Nodes.OrderBy(n => n.File.Name, StringComparer.Ordinal))
        {
            Add(n.File.Name, n.File.Text, null);
        }

        foreach (var p in input.Projects.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            Add(p.Manifest?.Name ?? p.Name, p.Manifest?.Text ?? "", p.Rev);
            foreach (var f in p.ComposeFiles)
            {
                Add(f.DisplayName, f.Sha256 ?? "missing", p.Rev);
            }
        }

        outer.GetHashAndReset(digest);
        return "sha256:" + Convert.ToHexStringLower(digest);
    }

    private static void AppendUtf8(IncrementalHash hash, ReadOnlySpan<char> text, ref byte[] buffer)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        if (buffer.Length < length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }

        hash.AppendData(buffer, 0, Encoding.UTF8.GetBytes(text, buffer));
    }
}
