using Npgsql;

namespace Provider.Monitor.Storage.Postgres;

/// <summary>
/// postgresql:// (or postgres://) URIs, as libpq and most hosting panels write them, to Npgsql connection strings.
/// postgresql://user:password@host:port/dbname?sslmode=require&amp;...: user and password percent-decoded; query
/// parameters are passed as Npgsql keywords (sslmode, application_name, ...). No message here ever shows the password.
/// </summary>
public static class DatabaseUri
{
    public static bool IsPostgres(string db) =>
        db.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || db.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Npgsql connection string for a postgresql:// URI. Throws ArgumentException (without the password) when it is malformed.</summary>
    public static string ToConnectionString(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !IsPostgres(uri) || string.IsNullOrEmpty(parsed.Host))
        {
            throw new ArgumentException($"Not a PostgreSQL URI (postgresql://user:password@host:port/dbname): {Redact(uri)}", nameof(uri));
        }

        var database = Uri.UnescapeDataString(parsed.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The PostgreSQL URI names no database (postgresql://user:password@host:port/dbname): {Redact(uri)}", nameof(uri));
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = parsed.Host.Trim('[', ']'),
            Port = parsed.IsDefaultPort || parsed.Port < 0 ? 5432 : parsed.Port,
            Database = database,
        };
        if (parsed.UserInfo.Length > 0)
        {
            var colon = parsed.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? parsed.UserInfo : parsed.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(parsed.UserInfo[(colon + 1)..]);
            }
        }

        foreach (var pair in parsed.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            try
            {
                builder[key.Replace("_", " ", StringComparison.Ordinal)] = value;
            }
            catch (ArgumentException)
            {
                throw new ArgumentException($"The PostgreSQL URI has a parameter Npgsql does not know or a bad value for it: {key}", nameof(uri));
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>postgresql://user@host:port/dbname: how a database is named in messages and logs.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"postgresql://{(string.IsNullOrEmpty(builder.Username) ? "" : builder.Username + "@")}{builder.Host}:{builder.Port}/{builder.Database}";

    /// <summary>The URI with any password replaced by ***.</summary>
    public static string Redact(string uri)
    {
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        var at = uri.LastIndexOf('@');
        if (scheme < 0 || at < scheme)
        {
            return uri;
        }

        var userInfo = uri[(scheme + 3)..at];
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? uri : uri[..(scheme + 3)] + userInfo[..colon] + ":***" + uri[at..];
    }
}
