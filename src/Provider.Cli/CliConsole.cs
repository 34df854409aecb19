namespace Provider.Cli;

/// <summary>All console access goes through here so tests run the CLI in-process and read what it printed.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In, bool ErrorIsTerminal, bool NoColor)
{
    public static CliConsole System() => new(
        global::System.Console.Out,
        global::System.Console.Error,
        global::System.Console.In,
        !global::System.Console.IsErrorRedirected,
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));

    public bool UseColor => ErrorIsTerminal && !NoColor;
}
