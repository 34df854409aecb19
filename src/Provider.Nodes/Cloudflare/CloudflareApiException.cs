using System.Collections.Immutable;
using System.Globalization;
using System.Net;

namespace Provider.Nodes.Cloudflare;

/// <summary>
/// A Cloudflare API call that did not succeed: an HTTP error (401/403, 429 after the allowed
/// retries, 5xx), <c>success: false</c>, an unreadable body, or no connection (<see cref="Status"/>
/// null). Never means "no records". The message carries the method, path, status and Cloudflare's
/// error codes, and never the token.
/// </summary>
public sealed class CloudflareApiException : Exception
{
    public CloudflareApiException()
        : this("Cloudflare API error")
    {
    }

    public CloudflareApiException(string message)
        : this(message, null)
    {
    }

    public CloudflareApiException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Method = "";
        Path = "";
    }

    internal CloudflareApiException(string method, string path, HttpStatusCode? status, ImmutableArray<CloudflareError> errors, string detail, Exception? inner = null)
        : base(Describe(method, path, status, errors, detail), inner)
    {
        Method = method;
        Path = path;
        Status = status;
        Errors = errors;
    }

    public string Method { get; }

    public string Path { get; }

    public HttpStatusCode? Status { get; }

    public ImmutableArray<CloudflareError> Errors { get; } = [];

    public ImmutableArray<int> ErrorCodes => [.. Errors.Select(e => e.Code)];

    public bool IsAuthenticationFailure => Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;

    private static string Describe(string method, string path, HttpStatusCode? status, ImmutableArray<CloudflareError> errors, string detail)
    {
        var statusText = status is { } s ? $"{((int)s).ToString(CultureInfo.InvariantCulture)} {s}" : "no response";
        var codes = errors.IsDefaultOrEmpty ? "" : ": " + string.Join("; ", errors.Select(e => $"[{e.Code.ToString(CultureInfo.InvariantCulture)}] {e.Message}"));
        var extra = detail.Length == 0 ? "" : $" ({detail})";
        return $"Cloudflare API {method} {path}: {statusText}{codes}{extra}";
    }
}
