using System.Globalization;
using System.Text.Json.Nodes;
using Provider.Planning.Output;

namespace Provider.Planning.Tests.Output;

public class CanonicalJsonTests
{
    [Fact]
    public void Serialize_SortsKeysOrdinally_TwoSpaces_LfAndFinalNewline()
    {
        var text = CanonicalJson.SerializeToString(new JsonObject { ["b"] = 1, ["B"] = 2, ["a"] = new JsonObject { ["z"] = "é", ["_"] = null } });
        Assert.Equal("{\n  \"B\": 2,\n  \"a\": {\n    \"_\": null,\n    \"z\": \"é\"\n  },\n  \"b\": 1\n}\n", text);
    }

    [Fact]
    public void Serialize_IsCultureIndependent()
    {
        var node = new JsonObject { ["d"] = 1.5, ["i"] = 1234567 };
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            var de = CanonicalJson.Serialize(node);
            CultureInfo.CurrentCulture = new CultureInfo("ar-SA");
            Assert.Equal(de, CanonicalJson.Serialize(node));
            Assert.Contains("1.5", System.Text.Encoding.UTF8.GetString(de), StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Serialize_HasNoBom() => Assert.Equal((byte)'{', CanonicalJson.Serialize(new JsonObject())[0]);
}
