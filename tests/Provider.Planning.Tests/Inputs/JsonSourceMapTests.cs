using Provider.Planning.Inputs;

namespace Provider.Planning.Tests.Inputs;

/// <summary>Positions in hand-edited JSON files (state.json, plan.json, provider.lock), as YAML positions are given: 1-based, columns in characters.</summary>
public class JsonSourceMapTests
{
    private const string Text = "{\n  \"a\": {\"é\": 1, \"b\": [true, \"x\"]},\n  \"a\": 2,\n  \"c/d\": null\n}\n";

    private static JsonSourceMap Map() => new(new SourceFile("f.json", Text));

    [Theory]
    [InlineData("", 1, 1)]
    [InlineData("/a", 2, 8)]
    [InlineData("/a/b/1", 2, 29)]
    [InlineData("/a/b/9", 2, 22)] // no such element: its nearest ancestor
    [InlineData("/c~1d", 4, 10)]
    public void PositionOf_Pointer_IsWhereTheValueStarts(string pointer, int line, int column)
    {
        var at = Map().PositionOf(pointer);
        Assert.Equal((line, column), (at.Line, at.Column));
    }

    [Fact]
    public void KeyPositionOf_RepeatedMember_GivesEachOccurrence()
    {
        var map = Map();
        Assert.Equal(2, map.KeyCount("/a"));
        Assert.Equal((2, 3), (map.KeyPositionOf("/a").Line, map.KeyPositionOf("/a").Column));
        Assert.Equal((3, 3), (map.KeyPositionOf("/a", 1).Line, map.KeyPositionOf("/a", 1).Column));
    }

    [Fact]
    public void KeyPositionOf_MemberAfterNonAsciiKey_CountsCharactersNotBytes() =>
        Assert.Equal(17, Map().KeyPositionOf("/a/b").Column);

    [Fact]
    public void PositionOf_TextBrokenPartWay_KnowsWhatCameBefore()
    {
        var map = new JsonSourceMap(new SourceFile("f.json", "{\"a\": 1,\n \"b\": <<<<<<<\n"));
        Assert.Equal((1, 7), (map.PositionOf("/a").Line, map.PositionOf("/a").Column));
        Assert.Equal((1, 1), (map.PositionOf("/b").Line, map.PositionOf("/b").Column));
    }
}
