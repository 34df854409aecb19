using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Provider.Cli.Tests.Support;

/// <summary>
/// A real dnsmasq on 127.0.0.1 with a test zone, started by the tests and stopped by PID. Records under
/// hosts.d can be changed while it runs (dnsmasq re-reads that directory by itself).
/// </summary>
public sealed class DnsmasqFixture : IDisposable
{
    private readonly Process process;

    public DnsmasqFixture()
    {
        Dir = Path.Combine(Path.GetTempPath(), "hp-dns-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(Dir, "hosts.d"));
        Port = FreeUdpPort();
        var records = new List<string>
        {
            "host-record=node-a.hosting.test,10.77.0.11",
            "host-record=node-v6.hosting.test,fd00::11",
            "host-record=a-match.zone.test,10.77.0.11",
            "host-record=v6-only.zone.test,fd00::11",
            "host-record=elsewhere.zone.test,203.0.113.9",
            "host-record=declared-only.zone.test,198.51.100.7",
            "cname=cname-node.zone.test,node-a.hosting.test",
            "cname=chain1.zone.test,chain2.zone.test",
            "cname=chain2.zone.test,chain3.zone.test",
            "cname=chain3.zone.test,a-match.zone.test",
            "cname=dangling.zone.test,nothing-here.zone.test",
        };
        for (var i = 0; i < 12; i++)
        {
            records.Add($"cname=long{i}.zone.test,long{i + 1}.zone.test");
        }

        records.Add("host-record=long12.zone.test,10.77.0.11");
        File.WriteAllLines(Path.Combine(Dir, "dnsmasq.conf"), [
            $"port={Port}", "listen-address=127.0.0.1", "bind-interfaces", "no-resolv", "no-hosts", "local=/test/",
            $"hostsdir={Dir}/hosts.d", $"pid-file={Dir}/dnsmasq.pid", "user=root", .. records]);
        var exe = new[] { "/usr/sbin/dnsmasq", "/usr/bin/dnsmasq" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("dnsmasq is not installed: scripts/test installs dnsmasq-base");
        process = Process.Start(new ProcessStartInfo(exe, ["-k", "-C", Path.Combine(Dir, "dnsmasq.conf")]) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("dnsmasq did not start");
        WaitUntilAnswering();
    }

    public string Dir { get; }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Publishes an A/AAAA record through hosts.d; waits until dnsmasq serves it.</summary>
    public void SetHost(string name, string address)
    {
        File.WriteAllText(Path.Combine(Dir, "hosts.d", name), $"{address} {name}\n");
        for (var i = 0; i < 100 && !Dig(name).Contains(address, StringComparison.Ordinal); i++)
        {
            Thread.Sleep(50);
        }
    }

    private string Dig(string name)
    {
        using var p = Process.Start(new ProcessStartInfo("dig", ["+short", "+time=1", "+tries=1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "@127.0.0.1", name, "A"]) { RedirectStandardOutput = true })!;
        var s = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return s;
    }

    private void WaitUntilAnswering()
    {
        for (var i = 0; i < 100; i++)
        {
            if (Dig("a-match.zone.test").Contains("10.77.0.11", StringComparison.Ordinal))
            {
                return;
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException("dnsmasq exited: " + process.StandardError.ReadToEnd());
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException("dnsmasq did not answer within 5 s");
    }

    private static int FreeUdpPort()
    {
        using var s = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.Client.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(5000);
        }

        process.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
