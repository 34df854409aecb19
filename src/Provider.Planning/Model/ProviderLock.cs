using System.Collections.Immutable;
using System.Text.Json;
using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;
using Provider.Planning.Output;

namespace Provider.Planning.Model;

/// <summary>One pinned git project: like a flake.lock node. ManifestSha256 detects a rewritten history or a corrupted cache.</summary>
public sealed record LockEntry(string Git, string Ref, string Dir, string Rev, string ManifestSha256);

/// <summary>provider.lock: git project sources pinned to commits. `plan` only reads it; `lock update` writes it.</summary>
public sealed record ProviderLock(ImmutableSortedDictionary<string, LockEntry> Projects)
{
    public const string FileName = "provider.lock";
    public const int Format = 1;

    public static readonly ProviderLock Empty = new(ImmutableSortedDictionary.Create<string, LockEntry>(StringComparer.Ordinal));

    public static ProviderLock Read(SourceFile? file, DiagnosticBag diagnostics)
    {
        if (file is null)
        {
            return Empty;
        }

        try
        {
            using var doc = JsonDocument.Parse(file.Text);
            var projects = ImmutableSortedDictionary.CreateBuilder<string, LockEntry>(StringComparer.Ordinal);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("projects", out var p) || p.ValueKind != JsonValueKind.Object)
            {
                diagnostics.Add(Invalid(file, "expected an object with 'projects'"));
                return Empty;
            }

            foreach (var project in p.EnumerateObject())
            {
                var e = project.Value;
                string? S(string k) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                var (git, @ref, dir, rev, sha) = (S("git"), S("ref"), S("dir"), S("rev"), S("manifestSha256"));
                if (git is null || @ref is null || dir is null || rev is null || sha is null || rev.Length != 40 || !rev.All(char.IsAsciiHexDigitLower))
                {
                    diagnostics.Add(Invalid(file, $"entry '{project.Name}' needs git, ref, dir, a 40-hex rev and manifestSha256"));
                    continue;
                }

                projects[project.Name] = new LockEntry(git, @ref, dir, rev, sha);
            }

            return new ProviderLock(projects.ToImmutable());
        }
        catch (JsonException ex)
        {
            diagnostics.Add(new Diagnostic(
                ManifestCodes.LockInvalid, DiagnosticLevel.Error, "provider.lock is not valid JSON",
                new SourcePosition(file.Name, (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1),
                Hint: "restore it from git, or run `hostenv-provider lock update` to rewrite it"));
            return Empty;
        }
    }

    private static Diagnostic Invalid(SourceFile file, string message) =>
        new(ManifestCodes.LockInvalid, DiagnosticLevel.Error, "provider.lock: " + message, new SourcePosition(file.Name, 0, 0),
            Hint: "run `hostenv-provider lock update` to rewrite it");

    public byte[] Write()
    {
        using var w = new SortedJsonWriter();
        w.StartObject();
        w.Number("lockFormat", Format);
        w.StartObject("projects");
        foreach (var (name, e) in Projects)
        {
            w.StartObject(name);
            w.String("dir", e.Dir);
            w.String("git", e.Git);
            w.String("manifestSha256", e.ManifestSha256);
            w.String("ref", e.Ref);
            w.String("rev", e.Rev);
            w.EndObject();
        }

        w.EndObject();
        w.EndObject();
        return w.ToBytes();
    }
}
