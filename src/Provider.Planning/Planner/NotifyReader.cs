using System.Collections.Immutable;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Model;

namespace Provider.Planning.Planner;

/// <summary>
/// The webhooks of provider.yaml for `serve`, read and checked exactly as `plan` reads and checks them. They are
/// service configuration, not part of the plan (and a URL there could be a secret), so the plan never carries them.
/// </summary>
public static class NotifyReader
{
    /// <summary>The targets, or null with the errors in <paramref name="diagnostics"/> when provider.yaml is not valid.</summary>
    public static ImmutableArray<NotifyTarget>? Read(SourceFile provider, DiagnosticBag diagnostics)
    {
        var local = new DiagnosticBag();
        var config = InputBinder.ReadProvider(provider, local);
        if (config is not null)
        {
            ProviderChecks.Notify(config, local);
        }

        diagnostics.AddRange(local.Sorted());
        return config is null || local.HasErrors ? null : config.Notify;
    }
}
