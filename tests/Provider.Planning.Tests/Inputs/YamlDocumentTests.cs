using Provider.Planning.Diagnostics;
using Provider.Planning.Inputs;

namespace Provider.Planning.Tests.Inputs;

public class YamlDocumentTests
{
    private static (YamlDocument Doc, DiagnosticBag Bag) Parse(string text)
    {
        var bag = new DiagnosticBag();
        return (YamlDocument.Parse(new SourceFile("f.yaml", text), bag), bag);
    }

    [Fact]
    public void Parse_PlainScalars_ResolveAsYaml12Core()
    {
        var (doc, bag) = Parse("a: 22\nb: \"22\"\nc: true\nd: ~\ne: 1.5\nf: yes\ng: 0x1F\n");
        Assert.False(bag.HasErrors);
        var root = doc.Root!.AsObject();
        Assert.Equal(22, root["a"]!.GetValue<long>());
        Assert.Equal("22", root["b"]!.GetValue<string>());
        Assert.True(root["c"]!.GetValue<bool>());
        Assert.Null(root["d"]);
        Assert.Equal(1.5, root["e"]!.GetValue<double>());
        Assert.Equal("yes", root["f"]!.GetValue<string>()); // YAML 1.2: yes is a string, not a boolean
        Assert.Equal(31, root["g"]!.GetValue<long>());
    }

    [Fact]
    public void Parse_Positions_AreOneBasedForKeysAndValues()
    {
        var (doc, _) = Parse("top:\n  inner:\n    key: value\n");
        Assert.Equal(new SourcePosition("f.yaml", 3, 10), doc.PositionOf("/top/inner/key"));
        Assert.Equal(new SourcePosition("f.yaml", 3, 5), doc.KeyPositionOf("/top/inner/key"));
        Assert.Equal(new SourcePosition("f.yaml", 3, 10), doc.PositionOf("/top/inner/key/missing"));
    }

    [Fact]
    public void Parse_DuplicateKey_ReportsSecondWithFirstLine()
    {
        var (_, bag) = Parse("a: 1\nb: 2\na: 3\n");
        var d = Assert.Single(bag.Items);
        Assert.Equal(ManifestCodes.DuplicateKey, d.Code);
        Assert.Equal(3, d.Position!.Line);
        Assert.Contains("first at line 1", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SyntaxError_HasPositionAndNoException()
    {
        var (doc, bag) = Parse("a: [1, 2\nb: c\n");
        var d = Assert.Single(bag.Items);
        Assert.Equal(ManifestCodes.YamlSyntax, d.Code);
        Assert.True(d.Position!.Line >= 1);
        Assert.Null(doc.Root);
    }

    [Fact]
    public void Parse_AnchorsAndAliases_AreExpanded()
    {
        var (doc, bag) = Parse("base: &b {x: 1}\ncopy: *b\n");
        Assert.False(bag.HasErrors);
        Assert.Equal(1, doc.Root!["copy"]!["x"]!.GetValue<long>());
    }

    [Fact]
    public void Parse_MergeKey_IsRejectedWithHint()
    {
        var (_, bag) = Parse("base: &b {x: 1}\ncopy:\n  <<: *b\n");
        Assert.Equal(ManifestCodes.UnsupportedYaml, Assert.Single(bag.Items).Code);
    }

    [Fact]
    public void Parse_TwoDocuments_IsAnError()
    {
        var (_, bag) = Parse("a: 1\n---\nb: 2\n");
        Assert.Equal(ManifestCodes.UnsupportedYaml, Assert.Single(bag.Items).Code);
    }

    [Fact]
    public void FieldPath_QuotesKeysWithDots() =>
        Assert.Equal("virtualHosts.\"a.test\".hsts", YamlDocument.FieldPath("/virtualHosts/a.test/hsts"));
}
