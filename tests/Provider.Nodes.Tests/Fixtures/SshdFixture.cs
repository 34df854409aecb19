using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Provider.Nodes.Ssh;

namespace Provider.Nodes.Tests.Fixtures;

/// <summary>
/// A real OpenSSH sshd on 127.0.0.1 with its own host key and authorized client key, in a temp dir.
/// Started per test class, stopped by its PID (never by name). It logs in as the current user, whose
/// login shell runs on every command: on machines whose root ~/.bashrc is heavy (pyenv init here costs
/// about 0.6 s of CPU per command) tests are slower, and massive parallelism is avoided.
/// </summary>
public sealed class SshdFixture : IDisposable
{
    private readonly Process sshd;

    public SshdFixture()
    {
        Dir = Path.Combine(Path.GetTempPath(), "hp-sshd-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Dir);
        Directory.CreateDirectory("/run/sshd");
        KeyGen("host_ed25519");
        KeyGen("client_ed25519");
        File.Copy(Path.Combine(Dir, "client_ed25519.pub"), Path.Combine(Dir, "authorized_keys"));
        Port = FreePort();
        var sshdPath = new[] { "/usr/sbin/sshd", "/usr/bin/sshd" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("sshd is not installed: scripts/test installs openssh-server");
        File.WriteAllText(Path.Combine(Dir, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Dir}/host_ed25519
            PidFile {Dir}/sshd.pid
            AuthorizedKeysFile {Dir}/authorized_keys
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            StrictModes no
            Subsystem sftp internal-sftp
            LogLevel ERROR
            MaxStartups 100
            MaxSessions 100
            """);
        Run(sshdPath, "-t", "-f", Path.Combine(Dir, "sshd_config"));
        sshd = Process.Start(new ProcessStartInfo(sshdPath, ["-D", "-f", Path.Combine(Dir, "sshd_config"), "-E", Path.Combine(Dir, "sshd.log")])
        { RedirectStandardError = true, RedirectStandardOutput = true }) ?? throw new InvalidOperationException("sshd did not start");
        WaitForPort();
        HostKeyLine = string.Join(' ', File.ReadAllText(Path.Combine(Dir, "host_ed25519.pub")).Split(' ').Take(2));
    }

    public string Dir { get; }

    public int Port { get; }

    public int Pid => sshd.Id;

    public string HostKeyLine { get; }

    public string ClientKey => Path.Combine(Dir, "client_ed25519");

    public SshTarget Target(string? hostKey = null) => new("test-node", "127.0.0.1", Port, Environment.UserName, hostKey ?? HostKeyLine);

    public Task<SshNodeSession> ConnectAsync(string? hostKey = null) => SshNodeSession.ConnectAsync(Target(hostKey), ClientKey, CancellationToken.None);

    /// <summary>The per-connection sshd processes forked by our sshd (to cut a connection from the server side).</summary>
    public IReadOnlyList<int> SessionPids() =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == Pid)];

    public static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static string KeyFingerprint(string pubFile) => Run("ssh-keygen", "-lf", pubFile).Split(' ')[1];

    public string KeyGen(string name, string type = "ed25519")
    {
        Run("ssh-keygen", "-q", "-t", type, "-N", "", "-C", "", "-f", Path.Combine(Dir, name));
        return Path.Combine(Dir, name);
    }

    private static string Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {error}");
        }

        return output;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private void WaitForPort()
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                if (sshd.HasExited)
                {
                    throw new InvalidOperationException("sshd exited: " + File.ReadAllText(Path.Combine(Dir, "sshd.log")));
                }

                Thread.Sleep(50);
            }
        }

        throw new InvalidOperationException("sshd did not listen within 5 s");
    }

    public void Dispose()
    {
        try
        {
            if (!sshd.HasExited)
            {
                sshd.Kill();
                sshd.WaitForExit(5000);
            }
        }
        finally
        {
            sshd.Dispose();
            Directory.Delete(Dir, recursive: true);
        }
    }
}
