using System.Diagnostics;
using Provider.Nodes.Secrets;

namespace Provider.Nodes.Tests.Secrets;

public class SecretsAgeScriptTests
{
    /// <summary>The script sent to nodes to open an environment's age ciphertext passes shellcheck (as sh) with no exception.</summary>
    [Fact]
    public void SecretsAgeScript_AsSent_IsShellcheckClean()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, EncryptedSecretsInstall.Script);
            using var p = Process.Start(new ProcessStartInfo("shellcheck", ["-s", "sh", "-f", "gcc", file]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, output);
            Assert.StartsWith("#!/bin/sh\n", EncryptedSecretsInstall.Script, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
