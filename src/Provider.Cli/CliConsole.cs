namespace Provider.Cli;

/// <summary>All console access goes through here so tests run the CLI in-process and read what it printed.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In, bool ErrorIsTerminal, bool NoColor)
{
    public static CliConsole System() => new(
        global::System.Console.Out,
        global::System.Console.Error,
        global::System.Console.In,
        !global::System.Console.IsErrorRedirected,
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")))
    {
        InputIsTerminal = !global::System.Console.IsInputRedirected,
    };

    /// <summary>Whether standard input is a terminal a person can answer a question on.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>A person is there to answer: both the question's stream (stderr) and stdin are terminals.</summary>
    public bool Interactive => ErrorIsTerminal && InputIsTerminal;

    public bool UseColor => ErrorIsTerminal && !NoColor;

    /// <summary>
    /// Asks a yes/no question on stderr and reads the answer from stdin; anything but y/yes is no (so is end of input).
    /// Callers check <see cref="Interactive"/> (or a --yes flag) first.
    /// </summary>
    public bool Confirm(string question)
    {
        Error.Write(question + " [y/N] ");
        Error.Flush();
        return In.ReadLine()?.Trim().ToLowerInvariant() is "y" or "yes";
    }

    /// <summary>
    /// For commands that change servers and ask first: without a person to ask and without --yes, stop before
    /// anything is touched, naming the flag.
    /// </summary>
    public void RequireInteractiveOrYes(bool yes, string command)
    {
        if (!yes && !Interactive)
        {
            throw new UserException($"{command} shows what it will change and asks first, but there is no terminal to ask on: pass --yes to {command} without the question");
        }
    }
}
