namespace Provider.Planning.Planner;

/// <summary>hostenv's per-environment paths (DESIGN §4), derived from the user name only.</summary>
public static class HostenvPaths
{
    public const string AcmeWebroot = "/var/lib/hostenv/acme/webroot";

    /// <summary>The node operator's per-environment overrides (files that win over the release's, and an env file the unit reads).</summary>
    public const string OverridesRoot = "/etc/hostenv/overrides";

    /// <summary>hostenv's own logs on a node (ACME runs).</summary>
    public const string LogRoot = "/var/log/hostenv";

    /// <summary>Where vhosts write their logs: Debian's nginx logrotate rule (/var/log/nginx/*.log, .1 kept uncompressed) rotates them.</summary>
    public const string NginxLogRoot = "/var/log/nginx";

    /// <summary>The name of the access-log format the node renderer declares and the fleet monitor parses.</summary>
    public const string NginxLogFormat = "hostenv";

    public static string AccessLog(string vhost, string root = NginxLogRoot) => $"{root}/hostenv-{vhost}.access.log";

    public static string ErrorLog(string vhost, string root = NginxLogRoot) => $"{root}/hostenv-{vhost}.error.log";

    public static string Home(string userName) => "/home/" + userName;

    /// <summary>Where each environment's deploy state (release, slot, journal) lives on the node, root-only.</summary>
    public const string EnvsRoot = "/var/lib/hostenv/envs";

    public static string EnvStateDir(string userName) => EnvsRoot + "/" + userName;

    public static string RuntimeDir(string userName) => "/run/hostenv/user/" + userName;

    public static string UpstreamRuntimeDir(string userName) => "/run/hostenv/nginx/" + userName;

    public static string UpstreamSocket(string userName) => UpstreamRuntimeDir(userName) + "/in.sock";

    public static string Upstream(string userName) => userName + "_upstream";

    public static string Slice(string userName) => "hostenv-" + userName + ".slice";

    public static string DataDir(string userName) => Home(userName) + "/.local/share";

    public static string StateDir(string userName) => Home(userName) + "/.local/state";

    public static string CacheDir(string userName) => Home(userName) + "/.cache";

    /// <summary>The live release (a link the environment stage moves atomically); static sites are served from under it.</summary>
    public static string CurrentRelease(string userName) => Home(userName) + "/current";

    /// <summary>The socket one of the two service slots (a, b) listens on; in.sock links to the live one.</summary>
    public static string SlotSocket(string userName, string slot) => UpstreamRuntimeDir(userName) + "/slot-" + slot + ".sock";

    /// <summary>
    /// The node-loopback port a compose environment's service publishes in slot a or b; the slot's unit forwards the slot
    /// socket to it. Fixed per environment (from its UID, which never changes hands), so a container restarted by its
    /// engine comes back on the same port: 20000-59999, two per UID, repeating every 20,000 UIDs.
    /// </summary>
    public static int ComposePort(int uid, string slot) => 20000 + ((uid % 20000) * 2) + (slot == "b" ? 1 : 0);

    /// <summary>The app's systemd template unit; instances are the two slots, a and b.</summary>
    public static string AppUnit(string userName) => "hostenv-" + userName + "-app@.service";
}
