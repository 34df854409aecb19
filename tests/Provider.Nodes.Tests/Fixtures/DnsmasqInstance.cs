using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace Provider.Nodes.Tests.Fixtures;

/// <summary>
/// A real dnsmasq (<c>dnsmasq -k -C CONF</c>) on a loopback address and a free port, configured from
/// lines the test gives. Started and stopped by PID; its files live in a temp dir. An extra hosts
/// file (<see cref="HostsFile"/>) is re-read on <see cref="Reload"/> (SIGHUP to our own PID).
/// </summary>
public sealed class DnsmasqInstance : IDisposable
{
    private static readonly string[] Candidates = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"];

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(10);

    private readonly Process process;
    private readonly string directory;

    private DnsmasqInstance(Process process, string directory, IPAddress address, int port)
    {
        this.process = process;
        this.directory = directory;
        Address = address;
        Port = port;
    }

    public IPAddress Address { get; }

    public int Port { get; }

    public int Pid => process.Id;

    public string HostsFile => System.IO.Path.Combine(directory, "hosts");

    /// <summary>For <c>--nameserver</c>: <c>127.0.0.1:PORT</c>.</summary>
    public string Endpoint => $"{Address}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Starts dnsmasq with <paramref name="zoneLines"/> (dnsmasq.conf lines such as
    /// <c>host-record=…</c>). Tries a few free ports; <paramref name="port"/> pins one.
    /// </summary>
    public static DnsmasqInstance Start(IEnumerable<string> zoneLines, IPAddress? address = null, int? port = null)
    {
        var executable = FindDnsmasq()
            ?? throw new InvalidOperationException(
                "dnsmasq is not installed: these tests need a real dnsmasq (apt-get install -y dnsmasq-base; scripts/test installs it).");
        var listen = address ?? IPAddress.Loopback;
        var lines = zoneLines.ToList();
        var failures = new List<string>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var chosen = port ?? FreePort(listen);
            var dir = Directory.CreateTempSubdirectory("dnsmasq-").FullName;
            var instance = TryStart(executable, dir, listen, chosen, lines, out var failure);
            if (instance is not null)
            {
                return instance;
            }

            failures.Add(failure);
            Directory.Delete(dir, recursive: true);
            if (port is not null)
            {
                break;
            }
        }

        throw new InvalidOperationException("dnsmasq did not start: " + string.Join(" | ", failures));
    }

    /// <summary>Makes dnsmasq re-read <see cref="HostsFile"/> (SIGHUP to our own process, by PID).</summary>
    public void Reload()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-HUP", Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        kill.WaitForExit();
    }

    /// <summary>Rewrites the hosts file and waits (bounded) until dnsmasq answers <paramref name="probe"/> with an address.</summary>
    public void ReplaceHosts(string content, string probe)
    {
        File.WriteAllText(HostsFile, content);
        Reload();
        var deadline = DateTime.UtcNow + StartDeadline;
        var client = Client();
        while (DateTime.UtcNow < deadline)
        {
            if (client.Query(probe, QueryType.A).Answers.ARecords().Any())
            {
                return;
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException($"dnsmasq (pid {Pid}) did not pick up the new hosts file");
    }

    /// <summary>A dnsmasq line serving an NS record (type 2, name in wire format) for <paramref name="zone"/>.</summary>
    public static string NsRecordLine(string zone, string nameServerHost)
    {
        var wire = string.Concat(nameServerHost.TrimEnd('.').Split('.')
            .Select(label => label.Length.ToString("x2", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(System.Text.Encoding.ASCII.GetBytes(label))));
        return $"dns-rr={zone},2,{wire}00";
    }

    public LookupClient Client() =>
        new(new LookupClientOptions(new NameServer(Address, Port)) { UseCache = false, Retries = 0, Timeout = TimeSpan.FromMilliseconds(500) });

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        finally
        {
            process.Dispose();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp dir is harmless.
            }
        }
    }

    private static DnsmasqInstance? TryStart(string executable, string dir, IPAddress listen, int port, List<string> lines, out string failure)
    {
        var conf = System.IO.Path.Combine(dir, "dnsmasq.conf");
        File.WriteAllText(System.IO.Path.Combine(dir, "hosts"), "");
        File.WriteAllLines(conf,
        [
            $"port={port.ToString(CultureInfo.InvariantCulture)}",
            $"listen-address={listen}",
            "bind-interfaces",
            "no-resolv",
            "no-hosts",
            "user=root",
            $"pid-file={System.IO.Path.Combine(dir, "dnsmasq.pid")}",
            $"addn-hosts={System.IO.Path.Combine(dir, "hosts")}",
            .. lines,
        ]);
        var info = new ProcessStartInfo(executable, ["-k", "-C", conf])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dnsmasq");
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var instance = new DnsmasqInstance(process, dir, listen, port);
        var client = instance.Client();
        var deadline = DateTime.UtcNow + StartDeadline;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                lock (stderr)
                {
                    failure = $"port {port}: exit {process.ExitCode}: {stderr.ToString().Trim()}";
                }

                process.Dispose();
                return null;
            }

            try
            {
                // Any response (even REFUSED) means it is serving.
                client.Query("fixture-probe.invalid", QueryType.A);
                failure = "";
                return instance;
            }
            catch (DnsResponseException)
            {
                Thread.Sleep(20);
            }
        }

        failure = $"port {port}: no answer within {StartDeadline.TotalSeconds} s";
        instance.Dispose();
        return null;
    }

    private static int FreePort(IPAddress address)
    {
        using var tcp = new TcpListener(address, 0);
        tcp.Start();
        var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
        tcp.Stop();
        return port;
    }

    private static string? FindDnsmasq() => Candidates.FirstOrDefault(File.Exists);
}
