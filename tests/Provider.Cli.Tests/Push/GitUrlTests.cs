using Provider.Monitor.Push;

namespace Provider.Cli.Tests.Push;

public sealed class GitUrlTests
{
    [Theory]
    [InlineData("https://github.com/acme/shop.git", "git@github.com:acme/shop.git")]
    [InlineData("https://github.com/acme/shop", "ssh://git@github.com:22/acme/shop.git")]
    [InlineData("https://GitHub.com/Acme/Shop/", "git://github.com/acme/shop")]
    [InlineData("/srv/git/shop.git", "file:///srv/git/shop")]
    [InlineData("/srv/git/shop.git/", "/srv/git/shop.git")]
    [InlineData("http://gitea.test:3000/acme/shop.git", "git@gitea.test:acme/shop")]
    public void Same_OneRepositoryInTwoSpellings_True(string a, string b) => Assert.True(GitUrl.Same(a, b), $"{GitUrl.Normalise(a)} vs {GitUrl.Normalise(b)}");

    [Theory]
    [InlineData("https://github.com/acme/shop.git", "https://github.com/acme/shop2.git")]
    [InlineData("https://github.com/acme/shop", "https://gitlab.com/acme/shop")]
    [InlineData("/srv/git/shop.git", "/srv/other/shop.git")]
    [InlineData("git@github.com:acme/shop.git", "/acme/shop")]
    public void Same_DifferentRepositories_False(string a, string b) => Assert.False(GitUrl.Same(a, b));

    [Theory]
    [InlineData("refs/heads/main", "main", true)]
    [InlineData("refs/heads/main", "refs/heads/main", true)]
    [InlineData("refs/tags/v1", "v1", true)]
    [InlineData("main", "refs/heads/main", true)]
    [InlineData("refs/heads/main", "maintenance", false)]
    [InlineData("refs/heads/feature/main", "main", false)]
    [InlineData("refs/heads/main", null, false)]
    [InlineData("refs/heads/main", "HEAD", false)]
    public void SameRef_PushedAgainstFollowed(string pushed, string? followed, bool expected) => Assert.Equal(expected, GitUrl.SameRef(pushed, followed));
}
