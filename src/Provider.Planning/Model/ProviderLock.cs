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

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(file.Text);
        }
        catch (JsonException ex)
        {
            diagnostics.Add(new Diagnostic(
                ManifestCodes.LockInvalid, DiagnosticLevel.Error, "provider.lock is not valid JSON",
                new SourcePosition(file.Name, (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1),
                Hint: "restore it from git, or run `hostenv-provider lock update` to rewrite it"));
            return Empty;
        }

        var map = new JsonSourceMap(file);
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("projects", out var p) || p.ValueKind != JsonValueKind.Object)
            {
                diagnostics.Add(Invalid(map.PositionOf(root.ValueKind == JsonValueKind.Object ? "/projects" : ""), "expected an object with 'projects'"));
                return Empty;
            }

            if (root.TryGetProperty("lockFormat", out var format) && !(format.ValueKind == JsonValueKind.Number && format.TryGetInt32(out var f) && f == Format))
            {
                diagnostics.Add(Invalid(map.PositionOf("/lockFormat"), $"lockFormat {format.GetRawText()} is not the format this hostenv-provider reads ({Format})"));
                return Empty;
            }

            var projects = ImmutableSortedDictionary.CreateBuilder<string, LockEntry>(StringComparer.Ordinal);
            var ok = true;
            foreach (var project in p.EnumerateObject())
            {
                var pointer = YamlDocument.Child("/projects", project.Name);
                if (projects.ContainsKey(project.Name) || map.KeyCount(pointer) > 1)
                {
                    diagnostics.Add(Invalid(map.KeyPositionOf(pointer, 1), $"entry '{project.Name}' appears twice (first at line {map.KeyPositionOf(pointer).Line})"));
                    ok = false;
                    break;
                }

                var e = project.Value;
                string? S(string k) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                if (Problem(e, S) is var (at, what))
                {
                    diagnostics.Add(Invalid(map.PositionOf(pointer + at), $"entry '{project.Name}' {what}; each entry has git, ref, dir, a 40-hex rev and manifestSha256"));
                    continue;
                }

                if (S("git") is { } git && S("ref") is { } @ref && S("dir") is { } dir && S("rev") is { } rev && S("manifestSha256") is { } sha)
                {
                    projects[project.Name] = new LockEntry(git, @ref, dir, rev, sha);
                }
            }

            return ok ? new ProviderLock(projects.ToImmutable()) : Empty;
        }
    }

    /// <summary>What is wrong with one entry (the member it concerns, relative to the entry, and why), or null.</summary>
    private static (string At, string What)? Problem(JsonElement entry, Func<string, string?> text)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return ("", "must be an object");
        }

        foreach (var key in new[] { "git", "ref", "dir", "rev", "manifestSha256" })
        {
            if (text(key) is null)
            {
                return ("/" + key, $"needs '{key}' as a text");
            }
        }

        return !IsLowerHex(text("rev"), 40) ? ("/rev", "needs a rev of 40 lowercase hex digits (a full commit id)")
            : !IsLowerHex(text("manifestSha256"), 64) ? ("/manifestSha256", "needs a manifestSha256 of 64 lowercase hex digits")
            : null;
    }

    private static bool IsLowerHex(string? text, int length) => text is not null && text.Length == length && text.All(char.IsAsciiHexDigitLower);

    private static Diagnostic Invalid(SourcePosition position, string message) =>
        new(ManifestCodes.LockInvalid, DiagnosticLevel.Error, "provider.lock: " + message, position,
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
