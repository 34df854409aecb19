using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Provider.Nodes.Apply;

namespace Provider.Nodes.Tests.Apply;

/// <summary>
/// The manifest the deployer writes for a release nothing else wrote into must be byte for byte what the node's own
/// release_manifest (find | sort | sha256sum, run here for real) prints for the assembled tree: otherwise every such
/// release would show as drifted.
/// </summary>
public sealed class ReleaseManifestTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("hostenv-manifest-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Of_AssembledTree_MatchesReleaseManifestOfTheNode()
    {
        string[] paths = ["server", "a b.txt", "a-b/c", "a/b", "a.b", "Z", "z/ä.txt", "z/ü/ß", "é", "日本/語", "shared/kept-out", "x/😀", "x/\uE000", "public/index.html", ".hidden/f"];
        var files = paths.Select((p, i) => File(p, $"content {i} of {p}\n")).ToList();
        // The shared directory is a symbolic link in the release: what the source has there is not in the tree.
        Directory.Delete(Path.Combine(root, "shared"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(root, "shared"), "/nonexistent");

        var expected = NodeManifest(root);
        Assert.Equal(expected, ReleaseManifest.Of(files, ["shared"]));
        Assert.DoesNotContain("kept-out", expected, StringComparison.Ordinal);
        Assert.Equal(paths.Length - 1, expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Of_PathWithBackslash_LeavesHashingToTheNode()
    {
        Assert.Null(ReleaseManifest.Of([File("a\\b", "x")], []));
    }

    private ReleaseFile File(string path, string content)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var bytes = Encoding.UTF8.GetBytes(content);
        System.IO.File.WriteAllBytes(full, bytes);
        return new ReleaseFile(path, "644", Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, () => new MemoryStream(bytes));
    }

    private static string NodeManifest(string dir)
    {
        var script = ReleaseManifest.Functions + "\nrelease_manifest \"$1\"\n";
        using var p = Process.Start(new ProcessStartInfo("sh", ["-c", script, "sh", dir]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, error);
        return output;
    }
}
