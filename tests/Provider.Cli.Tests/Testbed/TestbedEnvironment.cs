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
    /// Stops sshd on a node until the returned handle is disposed. The stop runs in an SSH session that stays open (a
    /// stopped ssh.service leaves its sessions alone), and disposing starts sshd again through that same session, then
    /// waits until a fresh login works and fails the test if none does: no later test is left without sshd. A timer on
    /// the node starts it after <paramref name="backstopSeconds"/> in case this process dies first.
    /// </summary>
    public async Task<IAsyncDisposable> StopSshdAsync(string node, int backstopSeconds = 120)
    {
        var holder = Process.Start(new ProcessStartInfo("ssh", ["-i", SshKey, "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={Values["HOSTENV_TESTBED_DIR"]}/client/known_hosts",
            $"deploy@{Address(node)}",
            $"sudo systemd-run --quiet --on-active={backstopSeconds}s systemctl start ssh.service && sudo systemctl stop ssh.service && echo stopped && read -r _ && sudo systemctl start ssh.service && echo started"])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var first = await holder.StandardOutput.ReadLineAsync();
        if (first != "stopped")
        {
            holder.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"could not stop sshd on {node}: {await holder.StandardError.ReadToEndAsync()}");
        }

        return new SshdStopped(this, node, holder);
    }

    private sealed class SshdStopped(TestbedEnvironment testbed, string node, Process holder) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            using (holder)
            {
                await holder.StandardInput.WriteLineAsync();
                await holder.StandardInput.FlushAsync();
                var started = await holder.StandardOutput.ReadLineAsync();
                await holder.WaitForExitAsync();
                if (started != "started")
                {
                    throw new InvalidOperationException($"sshd on {node} did not start again: {await holder.StandardError.ReadToEndAsync()}");
                }
            }

            await testbed.WaitForSshAsync(node);
        }
    }

    /// <summary>Waits (at most 60 s) until the node answers SSH again; fails if it does not.</summary>
    public async Task WaitForSshAsync(string node)
    {
        for (var i = 0; Ssh(node, "echo up").Trim() != "up"; i++)
        {
            if (i == 60)
            {
                throw new InvalidOperationException($"{node} does not answer SSH after 60 s");
            }

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

    /// <summary>As <see cref="Ssh"/>, with a local file as the command's stdin (e.g. a binary the node lacks); returns its stdout.</summary>
    public string SshWithInput(string node, string command, string inputFile)
    {
        using var p = Process.Start(new ProcessStartInfo("ssh", ["-i", SshKey, "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={Values["HOSTENV_TESTBED_DIR"]}/client/known_hosts",
            $"deploy@{Address(node)}", command])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using (var input = File.OpenRead(inputFile))
        {
            input.CopyTo(p.StandardInput.BaseStream);
        }

        p.StandardInput.Close();
        p.WaitForExit();
        return stdout.Result;
    }
}
