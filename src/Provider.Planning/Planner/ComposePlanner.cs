using System.Collections.Immutable;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;
using Provider.Planning.Plan;

namespace Provider.Planning.Planner;

/// <summary>
/// app.compose (DESIGN §10): checks that an environment runs either a command, a static site or a compose project,
/// finds the compose file the loader read at the planned revision (a missing one is an error at app.compose.file)
/// and records its SHA-256, which deploy compares with the release it ships.
/// </summary>
public static class ComposePlanner
{
    public static ImmutableArray<PlannedEnvironment> Attach(ImmutableArray<ProjectInput> projects, ImmutableArray<PlannedEnvironment> environments, DiagnosticBag diagnostics)
    {
        var files = projects.SelectMany(p => p.ComposeFiles.Select(f => (Project: p.Name, File: f)))
            .GroupBy(x => (x.Project, x.File.Path))
            .ToDictionary(g => g.Key, g => g.First().File);
        return [.. environments.Select(env => env.Spec.App?.Compose is { } compose ? Attach(env, compose, files, diagnostics) : env)];
    }

    private static PlannedEnvironment Attach(PlannedEnvironment env, ComposeSpec compose, Dictionary<(string, string), ProjectFileInput> files, DiagnosticBag diagnostics)
    {
        var doc = env.Manifest.Source;
        var app = env.Spec.Pointer + "/app";
        var ok = true;
        foreach (var other in new[] { ("run", env.Spec.App?.Run), ("static", env.Spec.App?.Static) })
        {
            if (other.Item2 is not null)
            {
                ok = Fail(diagnostics, ManifestCodes.InvalidValue, $"app.compose and app.{other.Item1} are both set; an environment runs one of a command, a static site or a compose project",
                    doc.KeyPositionOf(app + "/compose"), app + "/compose", $"remove app.{other.Item1} (the compose project serves the vhost), or remove app.compose");
            }
        }

        var filePointer = app + "/compose/file";
        if (!files.TryGetValue((env.Source.Name, compose.File), out var file) || file.Text is null || file.Sha256 is null)
        {
            var where = file?.DisplayName ?? compose.File;
            Fail(diagnostics, ManifestCodes.MissingFile, $"the compose file '{compose.File}' is not in the project ({where} does not exist{(env.Rev is { } rev ? $" at {rev[..Math.Min(12, rev.Length)]}" : "")})",
                doc.PositionOf(filePointer), filePointer, "give the path of the compose file relative to the project's root (the directory that holds .hostenv), e.g. compose.yaml, and commit it");
            return env;
        }

        // The compose file may not let the project out of its tenant (privileged, host namespaces, capabilities,
        // devices, node paths outside its own directories, published ports...) unless provider.yaml allows that
        // feature for the project; files it pulls in (extends, include) are checked the same way.
        var policy = Containers.ComposePolicy.CheckWithIncludes(
            new Containers.ComposePolicyInput(file.DisplayName, compose.File, file.Text, env.Source.Name, env.UserName, env.Source.ContainerAllow),
            path => files.TryGetValue((env.Source.Name, path), out var f) ? f.Text : null,
            path => files.TryGetValue((env.Source.Name, path), out var f) ? f.DisplayName : path);
        foreach (var d in policy.Diagnostics.Where(d => !diagnostics.Items.Any(x => x.Code == d.Code && x.Position == d.Position && x.Message == d.Message)))
        {
            diagnostics.Add(d); // one compose file, several environments: reported once
        }

        ok &= policy.Allowed;

        return ok ? env with { Compose = new ComposePlan(compose.File, file.Sha256, compose.Service, compose.Port) } : env;
    }

    private static bool Fail(DiagnosticBag diagnostics, string code, string message, SourcePosition position, string pointer, string hint)
    {
        diagnostics.Add(new Diagnostic(code, DiagnosticLevel.Error, message, position, YamlDocument.FieldPath(pointer), hint));
        return false;
    }
}
