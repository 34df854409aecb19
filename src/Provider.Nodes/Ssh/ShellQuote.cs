using System.Text;

namespace Provider.Nodes.Ssh;

/// <summary>
/// The one quoting helper for remote commands: POSIX single quotes, so the remote shell receives each
/// argument byte for byte (no expansion of $, `, \, globs or newlines). Nothing else builds command text.
/// </summary>
public static class ShellQuote
{
    public static string Arg(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a shell argument cannot contain a NUL byte", nameof(value));
        }

        if (value.Length > 0 && value.All(IsSafe))
        {
            return value;
        }

        // 'it'\''s': close the quote, emit an escaped quote, reopen.
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    public static string Join(IEnumerable<string> argv) => string.Join(' ', argv.Select(Arg));

    private static bool IsSafe(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '=' or '+' or ',' or '@' or '%';
}

/// <summary>
/// A remote command as data: either an argv, or a constant script whose user-supplied values arrive only
/// as positional parameters ("$1", "$2", ...). Optional sudo (non-interactive) and environment.
/// </summary>
public sealed record RemoteCommand
{
    private RemoteCommand(IReadOnlyList<string> argv, string? script, IReadOnlyList<string> scriptArgs)
    {
        Argv = argv;
        Script = script;
        ScriptArgs = scriptArgs;
    }

    public IReadOnlyList<string> Argv { get; }

    public string? Script { get; }

    public IReadOnlyList<string> ScriptArgs { get; }

    public bool Sudo { get; init; }

    /// <summary>Exit code of coreutils timeout when it stopped the command.</summary>
    public const int TimeoutExitCode = 124;

    /// <summary>Seconds after which the node itself stops the command (TERM, then KILL 5 s later).</summary>
    public int? RemoteTimeoutSeconds { get; init; }

    public RemoteCommand WithRemoteTimeout(TimeSpan timeout) => this with { RemoteTimeoutSeconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)) };

    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    public static RemoteCommand Exec(params string[] argv) => new(argv, null, []);

    /// <summary>A fixed shell script; pass every variable part through <paramref name="args"/>.</summary>
    public static RemoteCommand Shell(string script, params string[] args) => new([], script, args);

    public RemoteCommand AsRoot(bool sudo = true) => this with { Sudo = sudo };

    public RemoteCommand WithEnvironment(string name, string value) =>
        this with { Environment = [.. Environment, new(name, value)] };

    /// <summary>The command line sent to the remote login shell.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        if (Sudo)
        {
            sb.Append("sudo -n ");
        }

        if (RemoteTimeoutSeconds is { } seconds)
        {
            sb.Append("timeout -k 5 ").Append(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(' ');
        }

        if (Environment.Count > 0)
        {
            sb.Append("env ");
            foreach (var (k, v) in Environment)
            {
                if (k.Length == 0 || !k.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(k[0]))
                {
                    throw new ArgumentException($"invalid environment variable name '{k}'");
                }

                sb.Append(ShellQuote.Arg(k + "=" + v)).Append(' ');
            }
        }

        if (Script is not null)
        {
            sb.Append("sh -c ").Append(ShellQuote.Arg(Script)).Append(" sh");
            foreach (var a in ScriptArgs)
            {
                sb.Append(' ').Append(ShellQuote.Arg(a));
            }
        }
        else
        {
            sb.Append(ShellQuote.Join(Argv));
        }

        return sb.ToString();
    }

    public override string ToString() => Render();
}
