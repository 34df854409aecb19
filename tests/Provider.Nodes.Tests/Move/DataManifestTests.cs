using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using Provider.Nodes.Engine;
using Provider.Nodes.Move;
using Provider.Nodes.Remote;

namespace Provider.Nodes.Tests.Move;

/// <summary>
/// The move's node scripts run here on local directories (real find, sha256sum and tar; no SSH): what the manifest
/// says, what the diff sends, and that a tree copied by move-send.sh | move-receive.sh verifies byte for byte.
/// </summary>
public sealed class DataManifestTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("hostenv-move-test-").FullName;
    private static readonly ImmutableArray<string> Paths = [".local/share", "var/db"];

    private string Src => Path.Combine(root, "src");

    private string Staging => Path.Combine(root, "stage-root", "env");

    private static byte[] Script(string name, byte[]? stdin, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("sh", ["-c", RemoteScripts.Text(name), "sh", .. args])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        var output = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        var error = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
        }

        p.StandardInput.Close();
        copy.Wait();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{name} exited {p.ExitCode}: {error.Result}");
        return output.ToArray();
    }

    private static void Sh(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardError = true })!;
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, error);
    }

    private static DataManifest Manifest(string dir, bool hash) =>
        DataManifest.Parse(Script("move-manifest.sh", null, new Dictionary<string, string> { ["HASH"] = hash ? "yes" : "no" }, [dir, .. Paths]));

    /// <summary>What a move does for one pass: remove what the old side lacks, then stream the diff through tar.</summary>
    private void Pass(bool hash)
    {
        var (send, remove) = DataManifest.Diff(Manifest(Src, hash), Manifest(Staging, hash));
        if (!remove.IsEmpty)
        {
            Script("move-delete.sh", DataManifest.NulList(remove), null, Staging);
        }

        var tar = Script("move-send.sh", DataManifest.NulList(send), null, Src);
        Script("move-receive.sh", tar, null, Staging, Path.GetDirectoryName(Staging)!);
    }

    public DataManifestTests()
    {
        // Files of several kinds, exact times, a link, a fifo, a name with a newline and one that is not UTF-8.
        Sh($"""
            set -e; cd '{root}'; mkdir -p src/.local/share/app/sub src/var/db
            head -c 100000 /dev/urandom > src/.local/share/app/blob
            printf 'note\n' > src/.local/share/app/sub/note.txt; chmod 0640 src/.local/share/app/sub/note.txt
            ln -s sub/note.txt src/.local/share/app/link; touch -h -d '2024-02-03 04:05:06.123456789' src/.local/share/app/link
            mkfifo src/.local/share/app/fifo
            printf x > "src/.local/share/app/two$(printf '\nlines')"; printf y > "src/.local/share/app/latin$(printf '\351')"
            printf 'db\n' > src/var/db/data.db; touch -d '2023-01-01 00:00:00.5' src/var/db/data.db
            touch -d '2022-05-05 05:05:05.000000001' src/.local/share/app/sub
            """);
    }

    [Fact]
    public void MoveScripts_TreeCopiedInTwoPasses_VerifiesByteForByte_WithOwnersModesTimesAndLinks()
    {
        Pass(hash: false);
        Pass(hash: true);

        var expected = Manifest(Src, hash: true);
        var actual = Manifest(Staging, hash: true);
        Assert.Empty(DataManifest.Mismatches(expected, actual));
        Assert.Equal(5, expected.Files); // blob, note, the two odd names, data.db (the fifo is not a file)
        Assert.Contains(expected.Entries.Keys, p => DataManifest.Display(p) == ".local/share/app/two\\nlines");
        Assert.Contains(expected.Entries.Keys, p => p == ".local/share/app/latin\u00e9"); // the byte 0xE9 as it is
        Assert.Equal('l', actual.Entries[".local/share/app/link"].Type);
        Assert.Equal("sub/note.txt", actual.Entries[".local/share/app/link"].Link);
        Assert.Equal("1706933106.1234567890", actual.Entries[".local/share/app/link"].MTime);
        Assert.Equal("640", actual.Entries[".local/share/app/sub/note.txt"].Mode);
        Assert.Equal(expected.Entries[".local/share/app/sub"].MTime, actual.Entries[".local/share/app/sub"].MTime);
    }

    [Fact]
    public void Diff_SecondPass_SendsOnlyWhatChanged_RemovesWhatIsGone_AndHashesCatchSameSizeSameTimeEdits()
    {
        Pass(hash: false);
        Sh($"""
            set -e; cd '{root}/src'
            printf 'db\n' > var/db/new.db
            rm .local/share/app/sub/note.txt
            t=$(stat -c %y var/db/data.db); printf 'DB\n' > var/db/data.db; touch -d "$t" var/db/data.db
            """);

        var (quickSend, quickRemove) = DataManifest.Diff(Manifest(Src, hash: false), Manifest(Staging, hash: false));
        Assert.DoesNotContain("var/db/data.db", quickSend); // same size and time: only the hashes tell
        Assert.Contains("var/db/new.db", quickSend);
        Assert.Equal([".local/share/app/sub/note.txt"], quickRemove.AsEnumerable());

        var (send, _) = DataManifest.Diff(Manifest(Src, hash: true), Manifest(Staging, hash: true));
        Assert.Contains("var/db/data.db", send);
        Assert.DoesNotContain(".local/share/app/blob", send);
        Assert.NotEmpty(DataManifest.Mismatches(Manifest(Src, hash: true), Manifest(Staging, hash: true)));

        Pass(hash: true);
        Assert.Empty(DataManifest.Mismatches(Manifest(Src, hash: true), Manifest(Staging, hash: true)));
        Assert.Equal("DB\n", File.ReadAllText(Path.Combine(Staging, "var/db/data.db")));
    }

    [Fact]
    public void Mismatches_ACorruptedCopy_NamesTheFile()
    {
        Pass(hash: true);
        Sh($"cd '{Staging}' && t=$(stat -c %y var/db/data.db) && printf 'xx\\n' > var/db/data.db && touch -d \"$t\" var/db/data.db");
        Assert.Equal(["sha256 differs: var/db/data.db"], DataManifest.Mismatches(Manifest(Src, hash: true), Manifest(Staging, hash: true)).AsEnumerable());
    }

    [Fact]
    public void Order_NewNodeBeforeOld_AndMovesBothWays_AreRefused()
    {
        Assert.Equal(["node-b", "node-a", "node-c"], DeployMoves.Order(["node-a", "node-b", "node-c"], [new PlannedMove("u1", "node-a", "node-b")]).AsEnumerable());
        Assert.Equal(["node-a", "node-b"], DeployMoves.Order(["node-a", "node-b"], []).AsEnumerable());
        var cycle = Assert.Throws<OperationRefusedException>(() =>
            DeployMoves.Order(["node-a", "node-b"], [new PlannedMove("u1", "node-a", "node-b"), new PlannedMove("u2", "node-b", "node-a")]));
        Assert.Contains("move both to and from", cycle.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Sh($"rm -rf '{root}'"); // .NET cannot name the non-UTF-8 file to delete it
}
