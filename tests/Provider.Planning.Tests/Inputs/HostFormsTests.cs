using Provider.Planning.Inputs;

namespace Provider.Planning.Tests.Inputs;

public class HostFormsTests
{
    [Theory]
    [InlineData("node-a")]
    [InlineData("node-a.example.com")]
    [InlineData("node-a.example.com.")]
    [InlineData("10.77.0.11")]
    [InlineData("2001:db8::11")]
    [InlineData("[2001:db8::11]")]
    [InlineData("::ffff:10.77.0.11")]
    public void IsSshHost_NameOrAddress_True(string host) => Assert.True(HostForms.IsSshHost(host));

    [Theory]
    [InlineData("10.77")]
    [InlineData("256.1.1.1")]
    [InlineData("010.1.1.1")]
    [InlineData("-oProxyCommand")]
    [InlineData("a..b")]
    [InlineData("node_a")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[10.77.0.11]")]
    [InlineData("")]
    public void IsSshHost_Other_False(string host) => Assert.False(HostForms.IsSshHost(host));

    [Theory]
    [InlineData("203.0.113.10", true)]
    [InlineData("2001:db8::10", true)]
    [InlineData("10.1", false)]
    [InlineData("0x7f.0.0.1", false)]
    [InlineData("[2001:db8::10]", false)]
    [InlineData("node-a.example.com", false)]
    public void IsIPAddress_OnlyPlainWrittenForms(string text, bool expected) => Assert.Equal(expected, HostForms.IsIPAddress(text));

    [Fact]
    public void IsDnsName_LongerThan253_False()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)); // 255 characters
        Assert.False(HostForms.IsDnsName(name, 2));
        Assert.True(HostForms.IsDnsName(name[..253].TrimEnd('.'), 2));
    }

    [Theory]
    [InlineData("*.shop.example.com", true)]
    [InlineData("*.com", false)]
    [InlineData("shop.*.example.com", false)]
    [InlineData("**.example.com", false)]
    public void IsDnsName_Wildcard_OnlyAsFirstLabelOfAtLeastTwoMore(string name, bool expected) =>
        Assert.Equal(expected, HostForms.IsDnsName(name, 2, allowWildcard: true));
}
