using System.Net;
using System.Text.RegularExpressions;
using Provider.Monitor.Auth;

namespace Provider.Monitor.Tests.Web;

/// <summary>Test helpers for the deploy service's authentication: tokens from the real store, a signed-in cookie client, forms.</summary>
internal static partial class AuthSession
{
    public static async Task<string> CreateTokenAsync(MonitorServer server, string name, TokenScope scope) =>
        (await server.Store.Tokens.CreateAsync(name, scope, CancellationToken.None)).Secret;

    public static HttpClient Bearer(MonitorServer server, string secret)
    {
        var client = server.NewClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        return client;
    }

    /// <summary>GET /login, POST the token with the form's antiforgery field; the client keeps the session cookie.</summary>
    public static async Task<(HttpClient Client, HttpResponseMessage Response)> LoginAsync(MonitorServer server, string secret, CookieContainer? cookies = null)
    {
        var client = server.NewClient(cookies ?? new CookieContainer());
        var response = await PostFormAsync(client, "/login", await FormTokenAsync(client, "/login"), ("token", secret), ("returnUrl", "/"));
        return (client, response);
    }

    /// <summary>The antiforgery field of the first form on a page.</summary>
    public static async Task<string> FormTokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        var match = FormTokenField().Match(html);
        Assert.True(match.Success, $"no antiforgery field on {path}");
        return match.Groups[1].Value;
    }

    public static Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string? formToken, params (string Name, string Value)[] fields)
    {
        var all = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();
        if (formToken is not null)
        {
            all.Add(new("__RequestVerificationToken", formToken));
        }

        return client.PostAsync(path, new FormUrlEncodedContent(all));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormTokenField();
}
