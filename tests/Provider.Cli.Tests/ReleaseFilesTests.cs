using Provider.Cli.Tests.Support;
using Provider.Nodes.Apply;
using Provider.Nodes.Sources;
using Provider.Planning.Plan;

namespace Provider.Cli.Tests;

/// <summary>What a release carries, from real git repositories and working trees.</summary>
public sealed class ReleaseFilesTests : IDisposable
{
    private readonly TempDir cache = new();

    private static EnvironmentSource Env(string? path = null, string? git = null, string? rev = null) => new(path, git, null, rev, ".hostenv");

    [Fact]
    public async Task PathSource_InAGitRepo_WithUncommittedChanges_IsRefusedUnlessAllowed()
    {
        using var repo = new GitRepo();
        repo.Commit("app/server", "#!/bin/sh\n");
        File.WriteAllText(Path.Combine(repo.Path, "app", "server"), "#!/bin/sh\necho changed\n");

        var ex = await Assert.ThrowsAsync<ReleaseSourceException>(() =>
            ReleaseFiles.LoadAsync(repo.Path, Env("app"), new GitSource(cache.Path), allowDirty: false, CancellationToken.None));
        Assert.Contains("'app' has uncommitted changes; commit them or pass --allow-dirty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("server", ex.Message, StringComparison.Ordinal);

        var dirty = await ReleaseFiles.LoadAsync(repo.Path, Env("app"), new GitSource(cache.Path), allowDirty: true, CancellationToken.None);
        Assert.Equal(["server"], dirty.Files.Select(f => f.Path));
    }

    [Fact]
    public async Task PathSource_ShipsTrackedAndUntrackedFiles_NotIgnoredOnes_WithTheCommitAsRev()
    {
        using var repo = new GitRepo();
        repo.Commit("app/.gitignore", "secret.local\n");
        repo.Commit("app/run.sh", "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(repo.Path, "app", "run.sh"), (UnixFileMode)Convert.ToInt32("755", 8));
        repo.Run("add", "-A");
        repo.Run("commit", "--quiet", "-m", "make run.sh executable");
        var rev = repo.Run("rev-parse", "HEAD").Trim();
        File.WriteAllText(Path.Combine(repo.Path, "app", "secret.local"), "x");

        var release = await ReleaseFiles.LoadAsync(repo.Path, Env("app"), new GitSource(cache.Path), allowDirty: false, CancellationToken.None);

        Assert.Equal([".gitignore", "run.sh"], release.Files.Select(f => f.Path));
        Assert.Equal("0755", release.Files.Single(f => f.Path == "run.sh").Mode);
        Assert.Equal(rev, release.Rev);
    }

    [Fact]
    public async Task GitSource_ShipsTheTreeAtTheLockedCommit_NotTheBranchHead()
    {
        using var remote = new GitRepo();
        var locked = remote.Commit("index.html", "v1\n");
        remote.Commit("index.html", "v2\n");
        remote.Commit("extra.txt", "later\n");

        var release = await ReleaseFiles.LoadAsync(cache.Path, Env(git: remote.Url, rev: locked), new GitSource(cache.Path), allowDirty: false, CancellationToken.None);

        Assert.Equal(["index.html"], release.Files.Select(f => f.Path));
        using var s = new StreamReader(release.Files[0].Open());
        Assert.Equal("v1\n", s.ReadToEnd());
        Assert.Equal(locked, release.Rev);
    }

    [Fact]
    public async Task SameContent_SameTreeHash_AnyChange_AnotherHash()
    {
        using var a = new TempDir();
        File.WriteAllText(Path.Combine(a.Path, "f.txt"), "same\n");
        var first = await ReleaseFiles.LoadAsync(a.Path, Env("."), new GitSource(cache.Path), false, CancellationToken.None);
        var second = await ReleaseFiles.LoadAsync(a.Path, Env("."), new GitSource(cache.Path), false, CancellationToken.None);
        File.WriteAllText(Path.Combine(a.Path, "f.txt"), "other\n");
        var third = await ReleaseFiles.LoadAsync(a.Path, Env("."), new GitSource(cache.Path), false, CancellationToken.None);

        Assert.Equal(first.TreeHash, second.TreeHash);
        Assert.NotEqual(first.TreeHash, third.TreeHash);
        Assert.StartsWith("tree-", first.Rev, StringComparison.Ordinal);
    }

    public void Dispose() => cache.Dispose();
}
