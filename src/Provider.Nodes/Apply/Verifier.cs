using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Provider.Planning.Plan;

namespace Provider.Nodes.Apply;

public sealed record VerificationResult(string Check, bool Ok, bool Enforced, string Detail);

/// <summary>
/// deploymentVerification: HTTP requests from the deploying machine with the Host header set and the TCP
/// connection pinned to the node's address (DNS is not asked: this checks the node, not the internet's view).
/// </summary>
public static class Verifier
{
    public static async Task<IReadOnlyList<VerificationResult>> RunAsync(EnvironmentPlan env, IPAddress node, CancellationToken ct)
    {
        var results = new List<VerificationResult>();
        foreach (var check in env.DeploymentVerification)
        {
            var (scheme, host, path, expect) = (check.Scheme, check.Host, check.Path, check.ExpectStatus);
            var (enforce, follow, bodyRegex) = (check.Enforce, check.FollowRedirects, check.BodyRegex);
            var name = $"{scheme}://{host}{path}";
            var range = StatusRange.Parse(expect);
            using var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = follow,
                MaxAutomaticRedirections = 5,
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ConnectCallback = async (context, token) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(new IPEndPoint(node, context.DnsEndPoint.Port), token);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
            try
            {
                using var response = await client.GetAsync(new Uri($"{scheme}://{host}{path}"), ct);
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync(ct);
                var statusOk = range.Contains(status);
                var bodyOk = bodyRegex is null || Regex.IsMatch(body, bodyRegex, RegexOptions.None, TimeSpan.FromSeconds(1));
                var location = response.Headers.Location is { } l ? $" (redirect to {l})" : "";
                results.Add(new VerificationResult(name, statusOk && bodyOk, enforce,
                    !statusOk ? $"status {status}{location}, expected {expect}" : !bodyOk ? $"status {status}, body does not match /{bodyRegex}/" : $"status {status}"));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                results.Add(new VerificationResult(name, false, enforce, ex.Message));
            }
        }

        return results;
    }
}
