using System.Diagnostics;
using Provider.Cli.Tests.Support;

namespace Provider.Cli.Tests;

/// <summary>The bash completion script, sourced in a real bash that finds the built tool on PATH as `hostenv-provider`.</summary>
public sealed class CompletionTests : IDisposable
{
    private readonly TempDir bin = new();

    private string Complete(params string[] words)
    {
        var shim = Path.Combine(bin.Path, "hostenv-provider");
        File.WriteAllText(shim, $"#!/bin/sh\nexec dotnet '{CliProcess.Executable}' \"$@\"\n");
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var line = string.Join(' ', words);
        var script = $"""
            source <(hostenv-provider completion bash)
            COMP_LINE='{line}'; COMP_POINT=${"{"}#COMP_LINE{"}"}; COMP_WORDS=({line}); COMP_CWORD={words.Length - 1}
            _hostenv_provider_complete
            printf '%s\n' "${"{"}COMPREPLY[@]{"}"}"
            """;
        var psi = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["PATH"] = bin.Path + ":" + Environment.GetEnvironmentVariable("PATH");
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    [Fact]
    public void Completion_Bash_CompletesCommandsSubcommandsAndOptions()
    {
        Assert.Equal("deploy\n", Complete("hostenv-provider", "depl"));
        Assert.Equal("remove\n", Complete("hostenv-provider", "node", "rem"));
        Assert.Contains("--dry-run\n", Complete("hostenv-provider", "deploy", "--dry"), StringComparison.Ordinal);
    }

    public void Dispose() => bin.Dispose();
}
