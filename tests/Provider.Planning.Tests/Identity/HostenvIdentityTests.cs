using Provider.Planning.Identity;

namespace Provider.Planning.Tests.Identity;

/// <summary>Vectors produced by an independent implementation of DESIGN §4 (a short Python script), not by this code.</summary>
public class HostenvIdentityTests
{
    [Theory]
    [InlineData("acme", "demo", "main", "main", "demo-main-3a65ba5")]
    [InlineData("acme", "demo", "staging", "staging", "demo-staging-3d21a9d")]
    [InlineData("Acme Corp", "Demo App", "main", "main", "demoapp-main-5627449")]
    [InlineData("acme", "shop", "feature/new-checkout", "new", "shop-new-e58d306")]
    [InlineData("acme", "shop", "feature/JIRA-123/fix", "fix", "shop-fix-7e992da")]
    [InlineData("acme", "shop", "a--b", "a-b", "shop-a-b-64c8ee2")]
    [InlineData("acme", "shop", "a---b", "a--b", "shop-a--b-8b551f4")]
    [InlineData("acme", "shop", "a----b", "a--b", "shop-a--b-57be8c4")]
    [InlineData("acme", "shop", "a-----b", "a---b", "shop-a---b-1f1547c")]
    [InlineData("acme", "shop", "-lead", "lead", "shop-lead-65209f5")]
    [InlineData("acme", "shop", "trail-", "trail", "shop-trail-570c3b2")]
    [InlineData("acme", "shop", "--both--", "both", "shop-both-f52cf03")]
    [InlineData("acme", "shop", "supercalifragilistic", "supercalifr", "shop-supercalifr-ada39f6")]
    [InlineData("acme", "shop", "supercalifragilistic-x", "supercalifr", "shop-supercalifr-7ad5ad6")]
    [InlineData("acme", "shop", "UPPER-Case", "upper-case", "shop-upper-case-d4d37c2")]
    [InlineData("acme", "shop", "12345", "12345", "shop-12345-f215a1d")]
    [InlineData("acme", "shop", "2024-10-01", "2024-10-01", "shop-2024-10-01-a6792c6")]
    [InlineData("acme", "a-very-long-project-name", "main", "main", "averylongpr-main-8599c0a")]
    [InlineData("acme", "shop", "one-two-three-four", "one-two", "shop-one-two-6f37fbb")]
    [InlineData("acme", "shop", "ab-cdefghijk", "ab", "shop-ab-9c23fc0")]
    [InlineData("acme", "shop", "abcd-efgh-ij", "abcd-efgh", "shop-abcd-efgh-8122bcc")]
    [InlineData("acme", "shop", "feature/", "", "shop--7186a6d")]
    [InlineData("acme", "shop", "release_1.2.3", "release-1-2", "shop-release-1-2-0a99b3b")]
    [InlineData("org.with.dots", "proj_under", "dev", "dev", "projunder-dev-2bddca3")]
    [InlineData("acme", "shop", "x---y", "x--y", "shop-x--y-4fb942c")]
    [InlineData("acme", "shop", "ünïcode-env", "n-code-env", "shop-n-code-env-4fdc36a")]
    [InlineData("ACME", "SHOP", "MAIN", "main", "shop-main-ab78786")]
    public void UserName_Vector_MatchesHostenv(string org, string project, string env, string expectedSlug, string expectedUser)
    {
        Assert.Equal(expectedSlug, HostenvIdentity.Slug(env));
        Assert.Equal(expectedUser, HostenvIdentity.UserName(org, project, env));
    }

    [Fact]
    public void Hash_IncludesTrailingNewline()
    {
        // printf 'acme-demo-main\n' | sha256sum
        Assert.StartsWith("3a65ba5", HostenvIdentity.Hash("acme", "demo", "main"), StringComparison.Ordinal);
        Assert.NotEqual(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("acme-demo-main"u8)),
            HostenvIdentity.Hash("acme", "demo", "main"));
    }

    [Theory]
    [InlineData("Acme Corp!", "acmecorp")]
    [InlineData("a_b-c.d", "abcd")]
    [InlineData("ÄÖÜ123", "123")]
    public void Normalise_KeepsOnlyLowercaseAsciiLettersAndDigits(string input, string expected) =>
        Assert.Equal(expected, HostenvIdentity.Normalise(input));
}
