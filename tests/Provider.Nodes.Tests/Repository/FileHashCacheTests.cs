using System.Security.Cryptography;
using System.Text;
using Provider.Nodes.Sources;
using Xunit;

namespace Provider.Nodes.Tests.Repository;

public sealed class FileHashCacheTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hp-hash-cache-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, string text, DateTime? mtime = null)
    {
        var path = Path.Combine(dir, "src", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, mtime ?? DateTime.UtcNow.AddHours(-1));
        return path;
    }

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private string Hash(string name, string full)
    {
        var cache = FileHashCache.Load(Path.Combine(dir, "cache"), Path.Combine(dir, "src"));
        var sha = cache.Sha256(name, full, new FileInfo(full));
        cache.Save([name]);
        return sha;
    }

    [Fact]
    public void Sha256_SameSizeAndMtime_ComesFromTheCacheWithoutReading()
    {
        var old = DateTime.UtcNow.AddHours(-1);
        var full = Write("a.txt", "one", old);
        Assert.Equal(Sha("one"), Hash("a.txt", full));

        // Same size, same mtime: the quick check (rsync's) trusts the remembered hash. This is what makes it a cache.
        Write("a.txt", "two", old);
        Assert.Equal(Sha("one"), Hash("a.txt", full));
    }

    [Fact]
    public void Sha256_MtimeOrSizeChanged_HashesAgain()
    {
        var full = Write("a.txt", "one", DateTime.UtcNow.AddHours(-2));
        Hash("a.txt", full);
        Write("a.txt", "two", DateTime.UtcNow.AddHours(-1));
        Assert.Equal(Sha("two"), Hash("a.txt", full));
        Write("a.txt", "three", DateTime.UtcNow.AddHours(-1));
        Assert.Equal(Sha("three"), Hash("a.txt", full));
    }

    [Fact]
    public void Sha256_FileModifiedJustNow_IsNotRemembered()
    {
        var now = DateTime.UtcNow;
        var full = Write("a.txt", "one", now);
        Hash("a.txt", full);
        Write("a.txt", "two", now); // an edit in the same clock tick keeps size and mtime
        Assert.Equal(Sha("two"), Hash("a.txt", full));
    }

    [Fact]
    public void Load_DamagedCacheFile_HashesEverything()
    {
        var full = Write("a.txt", "one");
        Hash("a.txt", full);
        foreach (var file in Directory.GetFiles(Path.Combine(dir, "cache", "hashes")))
        {
            File.WriteAllText(file, "[1,2");
        }

        Write("a.txt", "two", File.GetLastWriteTimeUtc(full));
        Assert.Equal(Sha("two"), Hash("a.txt", full));
    }
}
