using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Provider.Monitor.Auth;
using static Provider.Monitor.Tests.Web.AuthSession;

namespace Provider.Monitor.Tests.Web;

/// <summary>serve over HTTPS with a PEM certificate (as --tls-cert/--tls-key load it): the session cookie is then Secure.</summary>
public sealed class HttpsTests
{
    [Fact]
    public async Task Https_SelfSignedPem_ServesAndSessionCookieIsSecure()
    {
        await using var server = await MonitorServer.StartAsync(deployService: true, certificate: SelfSigned);
        Assert.Equal("https", server.Address.Scheme);
        var secret = await CreateTokenAsync(server, "tls-user", TokenScope.Read);

        var (client, response) = await LoginAsync(server, secret);
        using var _ = client;

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("hostenv-session=", StringComparison.Ordinal));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/envs/shop")).StatusCode);
    }

    /// <summary>A certificate for 127.0.0.1 made by openssl req -x509, loaded from its PEM files.</summary>
    private static X509Certificate2 SelfSigned(string directory)
    {
        var cert = Path.Combine(directory, "cert.pem");
        var key = Path.Combine(directory, "key.pem");
        var psi = new ProcessStartInfo("openssl",
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var openssl = Process.Start(psi) ?? throw new InvalidOperationException("openssl did not start");
        var errors = openssl.StandardError.ReadToEnd();
        openssl.WaitForExit();
        Assert.True(openssl.ExitCode == 0, errors);
        return X509Certificate2.CreateFromPemFile(cert, key);
    }
}
