using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Provider.Monitor.Web;

/// <summary>
/// /assets/{name}: the stylesheet and the script, embedded in the assembly. Pages link them as name?v=hash; a
/// request carrying the current hash may be cached for a year, any other must revalidate (ETag, 304).
/// </summary>
public static class AssetEndpoints
{
    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static string Url(string name) => $"/assets/{name}?v={Assets[name].Hash}";

    public static void Map(RouteGroupBuilder assets) => assets.MapGet("/{name}", Serve);

    private static IResult Serve(string name, HttpContext http)
    {
        if (!Assets.TryGetValue(name, out var asset))
        {
            return TypedResults.NotFound();
        }

        http.Response.Headers.CacheControl = http.Request.Query["v"] == asset.Hash
            ? "public, max-age=31536000, immutable"
            : "no-cache";
        return TypedResults.Bytes(asset.Content, asset.ContentType, entityTag: new EntityTagHeaderValue($"\"{asset.Hash}\""));
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        const string prefix = "Provider.Monitor.Web.Assets.";
        var assembly = typeof(AssetEndpoints).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"Missing resource {resource}.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var name = resource[prefix.Length..];
            var type = name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
            assets[name] = new Asset(content, type, Convert.ToHexStringLower(SHA256.HashData(content))[..16]);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Content, string ContentType, string Hash);
}
