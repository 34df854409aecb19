namespace Provider.Cli;

/// <summary>A mistake the user can fix: printed as one clear message, never with a stack trace.</summary>
public sealed class UserException(string message, int exitCode = ExitCodes.Error) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
