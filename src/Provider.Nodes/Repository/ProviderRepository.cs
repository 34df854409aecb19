using System.Collections.Immutable;
using System.Text;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Planner;

namespace Provider.Nodes.Repository;

/// <summary>
/// The operator's provider repo on disk: reads what the pure planner needs and writes what it produced.
/// Every name handed to the planner is repo-relative with '/' separators, so no machine path reaches output.
/// </summary>
public sealed class ProviderRepository
{
    public const string ProviderFile = "provider.yaml";
    public const string PlanFile = "generated/plan.json";
    public const string StateFile = "generated/state.json";
    public const string ManifestFile = "hostenv.yaml";

    public ProviderRepository(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }

    public string FullPath(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Reads every input. Problems reading files become diagnostics, never exceptions.</summary>
    public (PlanInput? Input, ImmutableArray<Diagnostic> Diagnostics) LoadPlanInput()
    {
        var diagnostics = new DiagnosticBag();
        var provider = ReadText(ProviderFile);
        if (provider is null)
        {
            diagnostics.Add(new Diagnostic(
                ManifestCodes.MissingFile, DiagnosticLevel.Error, $"no {ProviderFile} in {Root}",
                new SourcePosition(ProviderFile, 0, 0),
                Hint: "run in the provider repo, or pass --dir DIR"));
            return (null, diagnostics.Items.ToImmutableArray());
        }

        var nodes = ReadNodes();
        var projects = ReadProjects(provider);
        var state = ReadText(StateFile);
        return (new PlanInput(provider, nodes, projects, state), diagnostics.Items.ToImmutableArray());
    }

    public SourceFile? ReadText(string relative)
    {
        var full = FullPath(relative);
        return File.Exists(full) ? new SourceFile(relative, File.ReadAllText(full, Encoding.UTF8)) : null;
    }

    private ImmutableArray<NodeInput> ReadNodes()
    {
        var dir = FullPath("nodes");
        if (!Directory.Exists(dir))
        {
            return [];
        }

        return [.. Directory.GetDirectories(dir)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .Select(name => (name, file: ReadText($"nodes/{name}/node.yaml")))
            .SelectMany(n => n.file is null ? [] : new[] { new NodeInput(n.name, n.file) })];
    }

    private ImmutableArray<ProjectInput> ReadProjects(SourceFile provider)
    {
        // The planner reports provider.yaml's own mistakes; here we only need the project list.
        var config = InputBinder.ReadProvider(provider, new DiagnosticBag());
        if (config is null)
        {
            return [];
        }

        var result = ImmutableArray.CreateBuilder<ProjectInput>();
        foreach (var project in config.Projects)
        {
            if (project.Path is { } path && project.Git is null && FleetPathIsSafe(path) && FleetPathIsSafe(project.Dir))
            {
                var relative = $"{path.TrimEnd('/')}/{project.Dir.TrimEnd('/')}/{ManifestFile}";
                result.Add(new ProjectInput(project.Name, ReadText(relative), null,
                    new MissingManifest($"project '{project.Name}' has no manifest at {relative}", $"create {relative}, or fix 'path'/'dir' of the project")));
            }
            else if (project.Git is not null && project.Path is null)
            {
                result.Add(new ProjectInput(project.Name, null, null, new MissingManifest(
                    $"project '{project.Name}' is a git source and has no entry in provider.lock",
                    $"run `hostenv-provider lock update {project.Name}` to pin it")));
            }
        }

        return result.ToImmutable();
    }

    private static bool FleetPathIsSafe(string path) =>
        path.Length > 0 && !path.StartsWith('/') && !path.Split('/').Any(p => p == "..");

    /// <summary>Writes plan and state, each atomically. Returns the files whose bytes changed.</summary>
    public ImmutableArray<string> WritePlan(byte[] plan, byte[] state)
    {
        var changed = ImmutableArray.CreateBuilder<string>();
        if (AtomicFile.WriteIfChanged(FullPath(StateFile), state))
        {
            changed.Add(StateFile);
        }

        if (AtomicFile.WriteIfChanged(FullPath(PlanFile), plan))
        {
            changed.Add(PlanFile);
        }

        return changed.ToImmutable();
    }
}
