using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Xunit;

namespace Provider.Nodes.Tests.Repository;

public sealed class InputsCacheTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hp-inputs-cache-").FullName;
    private readonly string repoDir;
    private readonly string cacheRoot;

    public InputsCacheTests()
    {
        repoDir = Path.Combine(dir, "repo");
        cacheRoot = Path.Combine(dir, "cache");
        Directory.CreateDirectory(Path.Combine(repoDir, "nodes", "n1"));
        Directory.CreateDirectory(Path.Combine(repoDir, "app", ".hostenv"));
        File.WriteAllText(Path.Combine(repoDir, "provider.yaml"), "hostenvHostname: hosting.test\nprojects:\n  acme__shop: { path: app }\n");
        File.WriteAllText(Path.Combine(repoDir, "nodes", "n1", "node.yaml"), "address: 10.0.0.1\n");
        File.WriteAllText(Path.Combine(repoDir, "app", ".hostenv", "hostenv.yaml"), "organisation: acme\nproject: shop\n");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private async Task StoreAsync(string hash)
    {
        var repo = new ProviderRepository(repoDir);
        var reads = new List<InputRead>();
        repo.Reads = reads;
        await repo.LoadPlanInputAsync(new GitSource(cacheRoot), CancellationToken.None);
        Assert.Contains(reads, r => r.Key == "app/.hostenv/hostenv.yaml");
        Assert.Contains(reads, r => r.Kind == InputReadKind.Listing && r.Text == "n1");
        InputsCache.Store(repo, cacheRoot, reads, hash);
    }

    [Fact]
    public async Task TryInputsHash_UnchangedInputs_GivesTheStoredHash()
    {
        await StoreAsync("sha256:abc");
        Assert.Equal("sha256:abc", InputsCache.TryInputsHash(new ProviderRepository(repoDir), cacheRoot));
    }

    [Theory]
    [InlineData("edit a project manifest")]
    [InlineData("edit a node")]
    [InlineData("add a node directory")]
    [InlineData("remove the state file")]
    [InlineData("create provider.lock")]
    public async Task TryInputsHash_AnyInputChanged_Misses(string change)
    {
        Directory.CreateDirectory(Path.Combine(repoDir, "generated"));
        File.WriteAllText(Path.Combine(repoDir, "generated", "state.json"), "{}");
        await StoreAsync("sha256:abc");
        switch (change)
        {
            case "edit a project manifest":
                File.AppendAllText(Path.Combine(repoDir, "app", ".hostenv", "hostenv.yaml"), "# comment\n");
                break;
            case "edit a node":
                File.WriteAllText(Path.Combine(repoDir, "nodes", "n1", "node.yaml"), "address: 10.0.0.2\n");
                break;
            case "add a node directory":
                Directory.CreateDirectory(Path.Combine(repoDir, "nodes", "n2"));
                break;
            case "remove the state file":
                File.Delete(Path.Combine(repoDir, "generated", "state.json"));
                break;
            default:
                File.WriteAllText(Path.Combine(repoDir, "provider.lock"), "lockFormat: 1\n");
                break;
        }

        Assert.Null(InputsCache.TryInputsHash(new ProviderRepository(repoDir), cacheRoot));
    }

    [Fact]
    public async Task TryInputsHash_DamagedCacheFile_Misses()
    {
        await StoreAsync("sha256:abc");
        foreach (var file in Directory.GetFiles(Path.Combine(cacheRoot, "inputs")))
        {
            File.WriteAllText(file, "{ not json");
        }

        Assert.Null(InputsCache.TryInputsHash(new ProviderRepository(repoDir), cacheRoot));
    }
}
