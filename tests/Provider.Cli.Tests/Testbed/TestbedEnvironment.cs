using System.Diagnostics;

namespace Provider.Cli.Tests.Testbed;

/// <summary>
/// The running fleet of scripts/testbed, read from its testbed.env. scripts/test brings it up; without
/// it these tests fail with instructions rather than pass silently.
/// </summary>
public sealed class TestbedEnvironment
{
    public TestbedEnvironment()
    {
        var dir = Environment.GetEnvironmentVariable("HOSTENV_TESTBED_DIR") ?? "/var/tmp/hostenv-testbed";
        var file = Path.Combine(dir, "testbed.env");
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"no testbed at {dir}: run `sudo scripts/testbed up` (scripts/test does this itself)");
        }

        Values = File.ReadAllLines(file).Select(l => l.StartsWith("export ", StringComparison.Ordinal) ? l[7..] : l).Where(l => l.Contains('=', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"'), StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, string> Values { get; }

    public string ProviderRepo => Values["HOSTENV_TESTBED_PROVIDER"];

    public string SshKey => Values["HOSTENV_SSH_KEY"];

    public IReadOnlyList<string> Nodes => Values["HOSTENV_TESTBED_NODES"].Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public string Address(string node) => Values[$"HOSTENV_TESTBED_NODE_{node.ToUpperInvariant().Replace('-', '_')}_ADDRESS"];

    /// <summary>
    /// Stops sshd on a node with a timer on the node that starts it again after <paramref name="seconds"/>, so no later
    /// test is left without it; <see cref="WaitForSshAsync"/> waits for it to be back.
    /// </summary>
    public void StopSshdFor(string node, int seconds) =>
        Ssh(node, $"sudo systemd-run --quiet --on-active={seconds}s systemctl start ssh.service; sudo systemctl stop ssh.service");

    /// <summary>Waits (at most 60 s) until the node answers SSH again.</summary>
    public async Task WaitForSshAsync(string node)
    {
        for (var i = 0; i < 60 && Ssh(node, "echo up").Trim() != "up"; i++)
        {
            await Task.Delay(1000);
        }
    }

    /// <summary>Runs a command on a node as the deploy user with the system ssh client (the tests' own view of the node); returns its stdout.</summary>
    public string Ssh(string node, string command)
    {
        using var p = Process.Start(new ProcessStartInfo("ssh", ["-i", SshKey, "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={Values["HOSTENV_TESTBED_DIR"]}/client/known_hosts",
            $"deploy@{Address(node)}", command])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
