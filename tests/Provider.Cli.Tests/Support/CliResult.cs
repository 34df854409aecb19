namespace Provider.Cli.Tests.Support;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the CLI in-process, as a user would call it, and captures what it printed.</summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var console = new CliConsole(stdout, stderr, TextReader.Null, ErrorIsTerminal: false, NoColor: true);
        var code = await CliApp.RunAsync(args, console);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}
