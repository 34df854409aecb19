using Microsoft.AspNetCore.Http;

namespace Provider.Monitor.Web.Auth;

/// <summary>Return addresses after login: only paths on this server, so /login cannot be used to send anyone elsewhere.</summary>
public static class LocalUrl
{
    public static string Of(HttpRequest request) => request.PathBase + request.Path + request.QueryString;

    /// <summary>The address when it is a local path ("/x", not "//host" or "/\host"); otherwise "/".</summary>
    public static string OrHome(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? url
            : "/";
}
