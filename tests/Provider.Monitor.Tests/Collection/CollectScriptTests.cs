using System.Diagnostics;
using Provider.Monitor.Collection;

namespace Provider.Monitor.Tests.Collection;

public class CollectScriptTests
{
    /// <summary>The script sent to nodes, as sent (collect.sh with the generation reader), passes shellcheck with no exception.</summary>
    [Fact]
    public void CollectScript_AsSent_IsShellcheckClean()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "#!/bin/bash\n" + CollectScript.Text);
            using var p = Process.Start(new ProcessStartInfo("shellcheck", ["-s", "bash", "-f", "gcc", file]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
