using System.CommandLine;
using Provider.Cli.Hooks;

namespace Provider.Cli.Commands;

/// <summary>`hook install BARE_REPO --service URL [--token-file F] [--force]`: push-to-deploy from a bare repository on the operator's own server.</summary>
public static class HookCommand
{
    public sealed record InstallArguments(string BareRepo, Uri Service, string? TokenFile, bool Force);

    private static readonly Argument<string> BareRepo = new("bare-repo") { Description = "The bare repository pushes arrive in (a project's git source)." };

    private static readonly Option<string> Service = new("--service")
    {
        Description = "The deploy service's URL (hostenv-provider serve), e.g. http://127.0.0.1:3333.",
        Required = true,
    };

    private static readonly Option<string?> TokenFile = new("--token-file")
    {
        Description = "A file holding an API token of deploy scope (token create NAME --scope deploy); the hook reads it at each push.",
    };

    private static readonly Option<bool> Force = new("--force") { Description = "Replace an existing post-receive hook that is not hostenv-provider's." };

    public static Command Create(CliConsole console)
    {
        var install = new Command("install", "Install a post-receive hook that deploys what follows each pushed ref and shows the deploy in `git push`.");
        install.Arguments.Add(BareRepo);
        install.Options.Add(Service);
        install.Options.Add(TokenFile);
        install.Options.Add(Force);
        install.SetAction((r, ct) => InstallAsync(
            new InstallArguments(r.GetValue(BareRepo) ?? "", ParseService(r.GetValue(Service) ?? ""), r.GetValue(TokenFile), r.GetValue(Force)), console, ct));
        var hook = new Command("hook", "Git hooks for push-to-deploy.");
        hook.Subcommands.Add(install);
        return hook;
    }

    public static async Task<int> InstallAsync(InstallArguments args, CliConsole console, CancellationToken ct)
    {
        if (args.TokenFile is { } file && !File.Exists(file))
        {
            throw new UserException($"--token-file {file} does not exist; write a deploy token into it (hostenv-provider token create NAME --scope deploy > {file})");
        }

        var outcome = await PostReceiveHook.InstallAsync(args.BareRepo, args.Service, args.TokenFile, args.Force, ct);
        var path = Path.Combine(args.BareRepo, "hooks", "post-receive");
        console.Error.WriteLine(outcome switch
        {
            HookInstallOutcome.Unchanged => $"{path} is already installed as asked.",
            HookInstallOutcome.Replaced => $"Replaced {path}: pushes now deploy through {args.Service}.",
            _ => $"Installed {path}: pushes now deploy through {args.Service}.",
        });
        if (args.TokenFile is null)
        {
            console.Error.WriteLine("note: no --token-file: POST /hooks/push needs a token of deploy scope, so the service will refuse the hook's requests; reinstall with --token-file.");
        }

        return ExitCodes.Success;
    }

    private static Uri ParseService(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UserException($"--service '{text}' is not an http(s) URL; for example --service http://127.0.0.1:3333");
}
