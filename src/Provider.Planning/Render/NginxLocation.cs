using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Provider.Planning.Render;

/// <summary>
/// A `locations` entry of a vhost. Its key is written as hostenv writes it: a prefix path (/static/), an exact
/// match (= /favicon.ico), a prefix that stops regex matching (^~ /assets/), a regex (~ \.php$, ~* \.(png|jpg)$)
/// or a named location (@app); nginx needs the modifier as its own argument.
/// </summary>
public static partial class NginxLocation
{
    public const string ExpectedForm = "/prefix, = /exact, ^~ /prefix, ~ regex, ~* regex or @name; paths without spaces or control characters";

    [GeneratedRegex(@"^(/[^\s\p{Cc}]*|= */[^\s\p{Cc}]*|\^~ */[^\s\p{Cc}]*|~\*? *[^\s\p{Cc}][^\p{Cc}]*|@[A-Za-z0-9_-]+)\z")]
    private static partial Regex Form();

    [GeneratedRegex(@"^(=|\^~|~\*?) *(.+)\z")]
    private static partial Regex Modifier();

    public static bool IsValidKey(string key) => Form().IsMatch(key);

    /// <summary>The arguments of the location block: [modifier, path] or [path].</summary>
    public static string[] Arguments(string key)
    {
        var m = Modifier().Match(key);
        return m.Success ? [m.Groups[1].Value, m.Groups[2].Value] : [key];
    }

    /// <summary>The location block for plan.nodes.&lt;node&gt;.services.nginx.virtualHosts.&lt;vh&gt;.locations.&lt;key&gt;.</summary>
    public static NginxBlock Block(string key, JsonObject l)
    {
        var body = new List<NginxNode>();
        string? S(string name) => l[name]?.GetValue<string>();
        if (S("proxyPass") is { } pass)
        {
            body.Add(new NginxDirective("proxy_pass", pass));
            if (l["recommendedProxySettings"]?.GetValue<bool>() == true)
            {
                body.Add(new NginxDirective("proxy_http_version", "1.1"));
                body.Add(new NginxDirective("proxy_set_header", "Host", "$host"));
                body.Add(new NginxDirective("proxy_set_header", "X-Real-IP", "$remote_addr"));
                body.Add(new NginxDirective("proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for"));
                body.Add(new NginxDirective("proxy_set_header", "X-Forwarded-Proto", "$scheme"));
                body.Add(new NginxDirective("proxy_set_header", "Connection", ""));
            }
        }

        foreach (var (name, directive) in new[] { ("root", "root"), ("alias", "alias"), ("index", "index"), ("tryFiles", "try_files") })
        {
            if (S(name) is { } value)
            {
                body.Add(new NginxDirective(directive, value.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            }
        }

        if (S("return") is { } ret)
        {
            // "200 all good" is a code and one text argument; "301 https://…" a code and a URL; a URL alone stays alone.
            var space = ret.IndexOf(' ', StringComparison.Ordinal);
            body.Add(space < 0 ? new NginxDirective("return", ret) : new NginxDirective("return", ret[..space], ret[(space + 1)..].Trim(' ')));
        }

        if (S("extraConfig") is { Length: > 0 } extra)
        {
            body.Add(new NginxRaw(extra));
        }

        return new NginxBlock("location", [.. Arguments(key)], [.. body]);
    }
}
