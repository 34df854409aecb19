using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provider.Planning.Diagnostics;
using Provider.Planning.Identity;
using Provider.Planning.Inputs;
using Provider.Planning.Model;
using Provider.Planning.Render;

namespace Provider.Planning.Planner;

/// <summary>
/// The checks of a manifest's fields that a schema pattern cannot state: names used as mapping keys
/// (reported at the key), names that must survive identity normalisation, host names with a length limit,
/// regular expressions that must compile and header values that must parse. Each returns false after
/// reporting, so the caller can leave the manifest out of planning.
/// </summary>
internal static partial class ManifestChecks
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}\z")]
    private static partial Regex EnvironmentNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex UserIdPattern();

    /// <summary>organisation and project become identities through <see cref="HostenvIdentity.Normalise"/>; nothing may be left empty.</summary>
    public static bool Identity(ProjectManifest manifest, DiagnosticBag diagnostics)
    {
        var ok = true;
        foreach (var (field, value) in new[] { ("organisation", manifest.Organisation), ("project", manifest.Project) })
        {
            if (HostenvIdentity.Normalise(value).Length == 0)
            {
                diagnostics.Add(new Diagnostic(
                    ManifestCodes.InvalidName, DiagnosticLevel.Error, $"{field} '{value}' has no letter or digit",
                    manifest.Source.PositionOf("/" + field), field, "identities are built from its letters and digits only; use at least one"));
                ok = false;
            }
        }

        return Users(manifest.Source, "/allEnvironments", manifest.AllUsers, diagnostics) && ok;
    }

    public static bool Environment(SourceMap doc, EnvironmentSpec env, DiagnosticBag diagnostics)
    {
        var ok = true;
        if (!EnvironmentNamePattern().IsMatch(env.Name) || env.Name.Contains("..", StringComparison.Ordinal) || env.Name.EndsWith('/'))
        {
            ok = Fail(diagnostics, ManifestCodes.InvalidName, $"environment name '{DiagnosticText.Visible(env.Name)}' is not allowed", doc.KeyPositionOf(env.Pointer), env.Pointer,
                "use letters, digits, '.', '_', '-' and '/' (no '..'), starting with a letter or digit, at most 63 characters");
        }
        else if (HostenvIdentity.Slug(env.Name).Length == 0)
        {
            // The user name is <project>-<slug>-<hash>; the slug comes from the part after the last '/'.
            ok = Fail(diagnostics, ManifestCodes.InvalidName, $"environment name '{env.Name}' leaves nothing for the user name after its last '/'",
                doc.KeyPositionOf(env.Pointer), env.Pointer, "give the part after the last '/' at least one letter or digit, e.g. feature/checkout");
        }

        ok &= Users(doc, env.Pointer, env.Users, diagnostics);
        foreach (var vhost in env.VirtualHosts)
        {
            ok &= VirtualHost(doc, vhost, diagnostics);
        }

        foreach (var (check, i) in env.Verification.Select((v, i) => (v, i)))
        {
            if (check.BodyRegex is { } pattern && RegexError(pattern) is { } error)
            {
                ok = Fail(diagnostics, ManifestCodes.InvalidRegex, $"bodyRegex is not a valid regular expression: {error}",
                    doc.PositionOf($"{env.Pointer}/deploymentVerification/{i.ToString(CultureInfo.InvariantCulture)}/bodyRegex"),
                    $"{env.Pointer}/deploymentVerification/{i.ToString(CultureInfo.InvariantCulture)}/bodyRegex",
                    "write a .NET regular expression, e.g. ^ok or \"version\": ?\"[0-9.]+\"; escape a literal ( [ { . * + ? with \\");
            }
        }

        return ok;
    }

    private static bool VirtualHost(SourceMap doc, VirtualHostSpec vhost, DiagnosticBag diagnostics)
    {
        var ok = true;
        var name = Vhosts.Normalise(vhost.Name);
        if (!IsVhostName(name))
        {
            ok = Fail(diagnostics, ManifestCodes.InvalidName, $"'{DiagnosticText.Visible(vhost.Name)}' is not a valid host name", doc.KeyPositionOf(vhost.Pointer), vhost.Pointer,
                "use a fully qualified DNS name such as shop.example.com (an IP address is not one: its last part is all digits)");
        }
        else if (name.StartsWith("*.", StringComparison.Ordinal) && vhost.EnableLetsEncrypt)
        {
            ok = Fail(diagnostics, ManifestCodes.WildcardWithLetsEncrypt, $"'{vhost.Name}' is a wildcard name, and Let's Encrypt's HTTP challenge cannot certify one",
                doc.KeyPositionOf(vhost.Pointer), vhost.Pointer,
                "set enableLetsEncrypt: false on it (with forceSSL only if you install a certificate yourself), or list the names it should serve");
        }

        foreach (var (alias, i) in vhost.ServerAliases.Select((a, i) => (a, i)))
        {
            if (!IsVhostName(Vhosts.Normalise(alias)))
            {
                var pointer = vhost.Pointer + "/serverAliases/" + i.ToString(CultureInfo.InvariantCulture);
                ok = Fail(diagnostics, ManifestCodes.InvalidName, $"server alias '{DiagnosticText.Visible(alias)}' is not a valid host name", doc.PositionOf(pointer), pointer,
                    "use a fully qualified DNS name such as www.shop.example.com; no scheme, port, path or spaces");
            }
        }

        if (vhost.GlobalRedirect is { } target && vhost.ServerAliases.Prepend(vhost.Name).Any(n => Vhosts.Normalise(n) == Vhosts.Normalise(target)))
        {
            ok = Fail(diagnostics, ManifestCodes.InvalidValue, $"globalRedirect sends '{vhost.Name}' to '{target}', a name it serves itself: browsers would be redirected forever",
                doc.PositionOf(vhost.Pointer + "/globalRedirect"), vhost.Pointer + "/globalRedirect",
                "redirect to another host (e.g. www.example.com to example.com), or remove globalRedirect");
        }

        ok &= vhost.ExtraConfig is null || RawNginx(doc, vhost.Pointer + "/extraConfig", vhost.ExtraConfig, diagnostics);
        foreach (var location in vhost.Locations)
        {
            var pointer = YamlDocument.Child(vhost.Pointer + "/locations", location.Path);
            if (!NginxLocation.IsValidKey(location.Path))
            {
                ok = Fail(diagnostics, ManifestCodes.InvalidName, $"location '{DiagnosticText.Visible(location.Path)}' is not an nginx location", doc.KeyPositionOf(pointer), pointer,
                    "write " + NginxLocation.ExpectedForm);
            }
            else if (NginxLocation.Arguments(location.Path) is [['~', ..], var regex] && RegexError(regex) is { } error)
            {
                // nginx compiles it with PCRE when it loads the configuration; .NET rejects the same unbalanced ( [ { and dangling quantifiers.
                ok = Fail(diagnostics, ManifestCodes.InvalidRegex, $"location regex is not a valid regular expression: {error}", doc.KeyPositionOf(pointer), pointer,
                    "escape a literal ( [ { . * + ? with \\, e.g. ~ \\.php$");
            }

            if (location.ProxyPass is { } pass && ProxyPassPort(pass) is { } port && port is < 1 or > 65535)
            {
                ok = Fail(diagnostics, ManifestCodes.InvalidValue, $"proxyPass port {port.ToString(CultureInfo.InvariantCulture)} is out of range",
                    doc.PositionOf(pointer + "/proxyPass"), pointer + "/proxyPass", "use a port from 1 to 65535, e.g. http://127.0.0.1:8080");
            }

            ok &= RawNginx(doc, pointer + "/extraConfig", location.ExtraConfig, diagnostics);
        }

        return HeaderValues(doc, vhost, diagnostics) && ok;
    }

    /// <summary>A DNS name of two or more labels whose top-level label is not all digits (which would make it an IPv4 address, or no name at all).</summary>
    private static bool IsVhostName(string name)
    {
        if (!HostForms.IsDnsName(name, 2, allowWildcard: true))
        {
            return false;
        }

        var trimmed = name.AsSpan().TrimEnd('.');
        return trimmed[(trimmed.LastIndexOf('.') + 1)..].ContainsAnyExcept(AsciiDigits);
    }

    private static readonly System.Buffers.SearchValues<char> AsciiDigits = System.Buffers.SearchValues.Create("0123456789");

    private static bool RawNginx(SourceMap doc, string pointer, string? text, DiagnosticBag diagnostics) =>
        text is null || NginxText.BalanceProblem(text) is not { } problem
        || Fail(diagnostics, ManifestCodes.InvalidValue, $"extraConfig would not stay inside its block: {problem}", doc.PositionOf(pointer), pointer,
            "extraConfig is pasted inside the server or location block; balance its '{' and '}' and close its quotes");

    /// <summary>The port of an http(s)://host:port URL, when it names one in digits (not a unix: socket or a variable).</summary>
    private static long? ProxyPassPort(string url)
    {
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var authority = rest.Split('/', '?')[0];
        var colon = authority.LastIndexOf(':');
        var port = colon < 0 || authority.StartsWith("unix:", StringComparison.Ordinal) || authority.EndsWith(']') ? "" : authority[(colon + 1)..];
        return port.Length is > 0 and <= 18 && port.All(char.IsAsciiDigit) ? long.Parse(port, CultureInfo.InvariantCulture) : null;
    }

    private static bool HeaderValues(SourceMap doc, VirtualHostSpec vhost, DiagnosticBag diagnostics)
    {
        if (ReferenceEquals(vhost.Security, SecuritySpec.Default))
        {
            return true; // no security: mapping, so the defaults, which hold neither control characters nor '$'
        }

        var values = new (string Field, string? Value)[]
        {
            ("referrerPolicy", vhost.Security.ReferrerPolicy), ("xFrameOptions", vhost.Security.XFrameOptions),
            ("reportTo", vhost.Security.ReportTo), ("csp", vhost.Security.Csp), ("cspReportTo", vhost.Security.CspReportTo),
        };
        var ok = true;
        foreach (var (field, value) in values)
        {
            if (value is null)
            {
                continue; // the common case: no pointer built for a header that is not set
            }

            var pointer = vhost.Pointer + "/security/" + field;
            if (value.Any(char.IsControl))
            {
                ok = Fail(diagnostics, ManifestCodes.InvalidValue, "a header value cannot contain line breaks or control characters",
                    doc.PositionOf(pointer), pointer, "write the header value on one line");
            }
            else if (value.Contains('$', StringComparison.Ordinal))
            {
                // nginx expands variables in add_header values, and has no escape for a literal '$'.
                ok = Fail(diagnostics, ManifestCodes.InvalidValue, "a header value cannot contain '$': nginx would read it as a variable",
                    doc.PositionOf(pointer), pointer, "remove the '$'; security headers are fixed text");
            }
            else if (field == "reportTo" && !IsReportTo(value))
            {
                ok = Fail(diagnostics, ManifestCodes.InvalidValue, "reportTo is not a Report-To value: one or more JSON objects separated by commas",
                    doc.PositionOf(pointer), pointer, "write it like '{\"group\":\"csp\",\"max_age\":10886400,\"endpoints\":[{\"url\":\"https://example.com/reports\"}]}' (single quotes around it in YAML)");
            }
        }

        return ok;
    }

    private static bool Users(SourceMap doc, string parent, IEnumerable<UserSpec> users, DiagnosticBag diagnostics)
    {
        var ok = true;
        foreach (var user in users)
        {
            // Pointers only for what is reported: a valid fleet's users need none.
            string Pointer() => YamlDocument.Child(parent + "/users", user.Id);
            if (!UserIdPattern().IsMatch(user.Id))
            {
                var pointer = Pointer();
                ok = Fail(diagnostics, ManifestCodes.InvalidName, $"user id '{DiagnosticText.Visible(user.Id)}' is not allowed", doc.KeyPositionOf(pointer), pointer,
                    "use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters, e.g. alice");
            }

            for (var i = 0; i < user.PublicKeys.Length; i++)
            {
                if (SshKeyForm.Problem(user.PublicKeys[i]) is { } problem)
                {
                    var at = Pointer() + "/publicKeys/" + i.ToString(CultureInfo.InvariantCulture);
                    ok = Fail(diagnostics, ManifestCodes.InvalidValue, $"public key of '{user.Id}' is not a whole key: {problem}", doc.PositionOf(at), at,
                        "copy the whole line of the user's .pub file");
                }
            }
        }

        return ok;
    }

    /// <summary>The parser's complaint about a .NET regular expression, or null when it compiles (as the deploy-time verifier compiles it).</summary>
    internal static string? RegexError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException ex)
        {
            return DiagnosticText.Visible(ex.Message);
        }
    }

    /// <summary>A Report-To value is a comma-separated list of JSON objects (browsers read it as the body of a JSON array).</summary>
    internal static bool IsReportTo(string value)
    {
        try
        {
            return JsonNode.Parse("[" + value + "]") is JsonArray { Count: > 0 } items && items.All(i => i is JsonObject);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Fail(DiagnosticBag diagnostics, string code, string message, SourcePosition position, string pointer, string hint)
    {
        diagnostics.Add(new Diagnostic(code, DiagnosticLevel.Error, message, position, YamlDocument.FieldPath(pointer), hint));
        return false;
    }
}
