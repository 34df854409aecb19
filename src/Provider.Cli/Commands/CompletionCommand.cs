using System.CommandLine;

namespace Provider.Cli.Commands;

/// <summary>
/// `completion bash|zsh`: prints a completion script. The script asks the tool itself what may come next through
/// System.CommandLine's [suggest] directive, so completions always match the installed version's commands and options.
/// </summary>
public static class CompletionCommand
{
    private static readonly Argument<string> ShellArgument = new("shell") { Description = "bash or zsh." };

    private const string Bash = """
        # hostenv-provider completion for bash. Load it with: source <(hostenv-provider completion bash)
        _hostenv_provider_complete() {
          local IFS=$'\n' line="${COMP_LINE:0:COMP_POINT}"
          local cur="${COMP_WORDS[COMP_CWORD]}"
          # shellcheck disable=SC2207
          COMPREPLY=($(compgen -W "$(hostenv-provider "[suggest:${#line}]" "$line" 2>/dev/null)" -- "$cur"))
        }
        complete -o default -F _hostenv_provider_complete hostenv-provider

        """;

    private const string Zsh = """
        # hostenv-provider completion for zsh. Load it with: source <(hostenv-provider completion zsh)
        autoload -U +X bashcompinit && bashcompinit

        """;

    static CompletionCommand() => ShellArgument.AcceptOnlyFromAmong("bash", "zsh");

    public static Command Create(CliConsole console)
    {
        var command = new Command("completion", "Print a shell completion script: source <(hostenv-provider completion bash)");
        command.Arguments.Add(ShellArgument);
        command.SetAction(r =>
        {
            console.Out.Write(r.GetValue(ShellArgument) == "zsh" ? Zsh + Bash : Bash);
            return ExitCodes.Success;
        });
        return command;
    }
}
