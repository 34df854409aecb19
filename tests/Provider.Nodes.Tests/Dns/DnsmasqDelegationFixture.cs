using System.Net;
using Provider.Nodes.Tests.Fixtures;

namespace Provider.Nodes.Tests.Dns;

/// <summary>
/// A small delegation: a "parent" dnsmasq (the bootstrap resolver) serves NS records for zone.test,
/// other.test and dead.test, pointing at 127.0.0.2 and 127.0.0.3 (two more dnsmasq instances on one
/// shared port) and 127.0.0.4 (nothing listens). The parent also holds stale answers, so a test can
/// tell whose answer it got.
/// </summary>
public sealed class DnsmasqDelegationFixture : IDisposable
{
    public DnsmasqDelegationFixture()
    {
        Zone = DnsmasqInstance.Start(
        [
            "local=/zone.test/",
            "host-record=www.zone.test,10.77.0.11",
            "cname=loop.zone.test,loop.other.test",
            "cname=hop.zone.test,hop.other.test",
        ], IPAddress.Parse("127.0.0.2"));
        try
        {
            Other = DnsmasqInstance.Start(
            [
                "local=/other.test/",
                "cname=loop.other.test,loop.zone.test",
                "cname=hop.other.test,www.zone.test",
            ], IPAddress.Parse("127.0.0.3"), Zone.Port);
            Parent = DnsmasqInstance.Start(
            [
                "local=/test/",
                DnsmasqInstance.NsRecordLine("zone.test", "ns1.zone.test"),
                DnsmasqInstance.NsRecordLine("other.test", "ns1.other.test"),
                DnsmasqInstance.NsRecordLine("dead.test", "ns1.dead.test"),
                "host-record=ns1.zone.test,127.0.0.2",
                "host-record=ns1.other.test,127.0.0.3",
                "host-record=ns1.dead.test,127.0.0.4",
                "host-record=www.zone.test,10.9.9.9",
                "host-record=www.dead.test,10.0.0.6",
                "host-record=plain.test,10.0.0.5",
            ]);
        }
        catch
        {
            Other?.Dispose();
            Zone.Dispose();
            throw;
        }
    }

    public DnsmasqInstance Zone { get; }

    public DnsmasqInstance? Other { get; }

    public DnsmasqInstance? Parent { get; }

    public void Dispose()
    {
        Parent?.Dispose();
        Other?.Dispose();
        Zone.Dispose();
    }
}
