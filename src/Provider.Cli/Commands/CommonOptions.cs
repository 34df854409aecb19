using System.CommandLine;

namespace Provider.Cli.Commands;

public static class CommonOptions
{
    public static readonly Option<string?> Dir = new("--dir")
    {
        Description = "The provider repo (default: the current directory).",
        Recursive = true,
    };

    public static readonly Option<string?> Identity = new("--identity", "-i")
    {
        Description = "SSH private key (default: $HOSTENV_SSH_KEY, then ~/.ssh/id_ed25519, then ~/.ssh/id_rsa).",
        Recursive = true,
    };

    public static readonly Option<string> Format = new("--format")
    {
        Description = "Output format: text or json (json goes alone to stdout).",
        DefaultValueFactory = _ => "text",
    };

    static CommonOptions() => Format.AcceptOnlyFromAmong("text", "json");

    public static string RepoDir(ParseResult result) => result.GetValue(Dir) ?? Directory.GetCurrentDirectory();
}
