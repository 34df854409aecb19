using Provider.Planning.Render;

namespace Provider.Planning.Tests.Render;

/// <summary>extraConfig is pasted inside a server or location block: it may open and close its own blocks, never leave one.</summary>
public class NginxTextTests
{
    [Theory]
    [InlineData("add_header X-A b;")]
    [InlineData("if ($http_x) { return 418; }")]
    [InlineData("location /a { location /a/b { return 204; } }")]
    [InlineData("return 200 \"}\";")]
    [InlineData("return 200 '{';")]
    [InlineData("return 200 \"a \\\" }\";")]
    [InlineData("# a } in a comment\nreturn 204;")]
    [InlineData("set $a ${host}x;")]
    [InlineData("return 200 a\\};")]
    public void BalanceProblem_TextThatStaysInItsBlock_IsNull(string text) => Assert.Null(NginxText.BalanceProblem(text));

    [Theory]
    [InlineData("} server { listen 81;", "closes a block")]
    [InlineData("if ($x) { return 418;", "'{' block open")]
    [InlineData("add_header X 'unclosed;", "quote open")]
    [InlineData("return 200 \"a;", "quote open")]
    [InlineData("location /a { } }", "closes a block")]
    public void BalanceProblem_TextThatLeavesItsBlock_SaysWhy(string text, string expected) =>
        Assert.Contains(expected, NginxText.BalanceProblem(text) ?? "(null)", StringComparison.Ordinal);
}
