using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Provider.Monitor.Web.Api;

namespace Provider.Monitor.Client;

/// <summary>A service answered with an error (or not at all); Message says what and how to fix it.</summary>
public sealed class ServiceClientException(string message) : Exception(message);

/// <summary>How a remote job ended, as its "result" event says.</summary>
public sealed record RemoteJobResult(long Id, string State, int ExitCode, string Summary);

/// <summary>
/// The CLI's side of the deploy service (`deploy --remote URL`): creates a job with a bearer token and follows its
/// server-sent events to the result, reconnecting with Last-Event-ID when the stream drops (no line lost or repeated).
/// </summary>
public sealed class ServiceClient(Uri service, string? token, HttpMessageHandler? handler = null) : IDisposable
{
    private static JsonSerializerOptions Json => ApiJson.Options;
    private readonly HttpClient http = CreateClient(service, token, handler);

    private static HttpClient CreateClient(Uri service, string? token, HttpMessageHandler? handler)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.BaseAddress = service;
        client.Timeout = Timeout.InfiniteTimeSpan;
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public void Dispose() => http.Dispose();

    public Task<JobCreated> DeployAsync(DeployBody body, CancellationToken ct) => PostAsync("api/deploy", body, ct);

    public Task<JobCreated> RollbackAsync(RollbackBody body, CancellationToken ct) => PostAsync("api/rollback", body, ct);

    public async Task CancelAsync(long id, CancellationToken ct)
    {
        using var response = await Send(() => http.PostAsync($"api/jobs/{id}/cancel", null, ct));
    }

    private async Task<JobCreated> PostAsync<T>(string path, T body, CancellationToken ct)
    {
        using var response = await Send(() => http.PostAsJsonAsync(path, body, Json, ct));
        return await response.Content.ReadFromJsonAsync<JobCreated>(Json, ct) ?? throw new ServiceClientException($"{service}: an empty answer to POST {path}");
    }

    private async Task<HttpResponseMessage> Send(Func<Task<HttpResponseMessage>> send)
    {
        HttpResponseMessage response;
        try
        {
            response = await send();
        }
        catch (HttpRequestException ex)
        {
            throw new ServiceClientException($"cannot reach the service at {service}: {ex.Message}");
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            var detail = TryDetail(text) ?? text.Trim();
            throw new ServiceClientException(response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => $"{service} refused the request (401): give a token with --token or HOSTENV_PROVIDER_TOKEN (hostenv-provider token create NAME --scope deploy)",
                HttpStatusCode.Forbidden => $"{service} refused the request (403): the token lacks the deploy scope. {detail}",
                _ => $"{service} answered {(int)response.StatusCode}: {detail}",
            });
        }
    }

    private static string? TryDetail(string text)
    {
        try
        {
            return JsonNode.Parse(text)?["detail"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Follows the job's events: each progress line to <paramref name="progress"/>, until the result (reconnecting up to 20 times).</summary>
    public async Task<RemoteJobResult> FollowAsync(long id, Action<string> progress, CancellationToken ct)
    {
        long last = 0;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"api/jobs/{id}/events");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                if (last > 0)
                {
                    request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                using var response = await Send(() => http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct));
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                string? eventId = null, kind = null;
                var data = new List<string>();
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    if (line.Length == 0)
                    {
                        if (kind is not null)
                        {
                            var text = string.Join('\n', data);
                            if (kind == "result")
                            {
                                var r = JsonNode.Parse(text)!;
                                return new RemoteJobResult(id, r["state"]!.GetValue<string>(), r["exitCode"]!.GetValue<int>(), r["summary"]!.GetValue<string>());
                            }

                            progress(text);
                            last = long.Parse(eventId ?? "0", System.Globalization.CultureInfo.InvariantCulture);
                        }

                        (eventId, kind) = (null, null);
                        data.Clear();
                    }
                    else if (line.StartsWith("id: ", StringComparison.Ordinal))
                    {
                        eventId = line[4..];
                    }
                    else if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        kind = line[7..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        data.Add(line[6..]);
                    }
                }
            }
            catch (Exception ex) when (attempt < 20 && ex is IOException or HttpRequestException or ServiceClientException && !ct.IsCancellationRequested)
            {
                // The stream dropped: reconnect and continue after the last event seen.
            }

            if (attempt >= 20)
            {
                throw new ServiceClientException($"the event stream of job {id} at {service} kept ending without a result; follow it with GET /api/jobs/{id}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500 * Math.Min(attempt + 1, 6)), ct);
        }
    }
}
