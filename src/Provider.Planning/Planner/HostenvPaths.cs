namespace Provider.Planning.Planner;

/// <summary>hostenv's per-environment paths (DESIGN §4), derived from the user name only.</summary>
public static class HostenvPaths
{
    public const string AcmeWebroot = "/var/lib/hostenv/acme/webroot";

    public static string Home(string userName) => "/home/" + userName;

    public static string RuntimeDir(string userName) => "/run/hostenv/user/" + userName;

    public static string UpstreamRuntimeDir(string userName) => "/run/hostenv/nginx/" + userName;

    public static string UpstreamSocket(string userName) => UpstreamRuntimeDir(userName) + "/in.sock";

    public static string Upstream(string userName) => userName + "_upstream";

    public static string Slice(string userName) => "hostenv-" + userName + ".slice";

    public static string DataDir(string userName) => Home(userName) + "/.local/share";

    public static string StateDir(string userName) => Home(userName) + "/.local/state";

    public static string CacheDir(string userName) => Home(userName) + "/.cache";
}
