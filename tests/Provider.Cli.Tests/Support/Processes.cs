using System.Diagnostics;
using Xunit;

namespace Provider.Cli.Tests.Support;

/// <summary>Runs a local program a test needs (age, age-keygen, sh) and fails the test when it fails.</summary>
public static class Processes
{
    public static string Run(string program, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} failed: {error}");
        return output;
    }
}
