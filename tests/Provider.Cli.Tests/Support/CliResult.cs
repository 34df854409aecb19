namespace Provider.Cli.Tests.Support;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the CLI in-process, as a user would call it, and captures what it printed.</summary>
public static class CliRunner
{
    public static Task<CliResult> RunAsync(params string[] args) => RunWithStdinAsync(null, args);

    /// <summary>As <see cref="RunAsync"/>, with <paramref name="stdin"/> as what the command reads from standard input.</summary>
    public static async Task<CliResult> RunWithStdinAsync(string? stdin, params string[] args)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var console = new CliConsole(stdout, stderr, stdin is null ? TextReader.Null : new StringReader(stdin), ErrorIsTerminal: false, NoColor: true);
        var code = await CliApp.RunAsync(args, console);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>
/// Runs the CLI as a separate process, from its own build output: the test binary directory cannot host it,
/// because this test project references ASP.NET Core (the Cloudflare contract server) and so lacks the
/// package assemblies the CLI's own runtimeconfig expects.
/// </summary>
public static class CliProcess
{
    public static string Executable { get; } = FindExecutable();

    public static CliResult Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, int timeoutMs = 120_000)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", [Executable, .. args]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("hostenv-provider did not finish: " + stderr);
        }

        return new CliResult(p.ExitCode, stdout.Result, stderr);
    }

    private static string FindExecutable()
    {
        // .../tests/Provider.Cli.Tests/bin/<Configuration>/<tfm>/ → src/Provider.Cli/bin/<Configuration>/<tfm>/
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var configuration = tfm.Parent!.Name;
        var exe = Path.Combine(RepoPaths.Root, "src", "Provider.Cli", "bin", configuration, tfm.Name, "hostenv-provider.dll");
        return File.Exists(exe) ? exe : throw new FileNotFoundException("build the solution first: " + exe);
    }
}
