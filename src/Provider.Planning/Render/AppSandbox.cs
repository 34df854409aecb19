using System.Collections.Immutable;
using Provider.Planning.Model;

namespace Provider.Planning.Render;

/// <summary>
/// The systemd sandbox of an app unit: what one tenant's process may see and change on a node shared with others.
/// The filesystem view is built from nothing outward: other homes, other environments' runtime and socket
/// directories and hostenv's own state are not there at all (ENOENT, not merely EACCES), the rest of the system is
/// read-only, and the only writable places are the environment's own home, runtime directory and socket directory
/// and a private /tmp. Directory modes (see NodeSystemModel) deny the same things again to the environment's
/// builds, hooks and SSH logins, which run outside this sandbox.
/// </summary>
public static class AppSandbox
{
    /// <summary>hostenv's state: deploy records, secrets, generations and blobs. The app sees only its own run script here.</summary>
    private const string StateRoot = "/var/lib/hostenv";

    private const string RunRoot = "/run/hostenv";

    public static ImmutableArray<UnitSetting> Settings(string user, string home, string runtimeDir, string socketDir, IReadOnlySet<string> allow)
    {
        var s = ImmutableArray.CreateBuilder<UnitSetting>();
        void Set(string key, string value) => s.Add(new UnitSetting(key, value));

        // Files the app writes are private to it; its group is its own (no other member), except in the setgid
        // socket directory, where a socket belongs to nginx's group and the group's write bit lets nginx connect.
        Set("UMask", "0007");
        Set("NoNewPrivileges", "yes");
        Set("CapabilityBoundingSet", "");
        // Every other user and group is nobody inside: the app cannot signal, ptrace or impersonate anyone.
        Set("PrivateUsers", "yes");

        // Read-only everything; then ProtectHome=tmpfs replaces /home, /root and /run/user with empty directories
        // and BindPaths brings back only this environment's home (writable). ProtectHome=read-only would leave the
        // other homes visible and rely on their modes alone; ReadWritePaths cannot reach into a tmpfs. systemd
        // leaves that tmpfs writable (a private scratch space); the read-only one on /home makes it plainly so.
        Set("ProtectSystem", "strict");
        Set("ProtectHome", "tmpfs");
        Set("TemporaryFileSystem", "/home:ro");
        Set("BindPaths", home);
        if (!allow.Contains(SandboxRelaxation.WriteRelease))
        {
            // A compromised app cannot rewrite the code of its releases (writes go to the data dirs and sharedDirs).
            Set("BindReadOnlyPaths", "-" + home + "/releases");
        }

        // Nor add a key to its own authorized_keys.
        Set("BindReadOnlyPaths", "-" + home + "/.ssh");

        // /run/hostenv holds every environment's sockets: an empty tmpfs with only this one's two directories in it.
        Set("TemporaryFileSystem", RunRoot + ":ro");
        Set("BindPaths", socketDir + " " + runtimeDir);
        // hostenv's state is not there either; the unit's ExecStart (a script in the current generation) is.
        Set("TemporaryFileSystem", StateRoot + ":ro");
        Set("BindReadOnlyPaths", NodeRenderer.CurrentLink + "/apps/" + user);

        Set("PrivateTmp", "yes");
        Set("PrivateDevices", "yes");
        // PrivateDevices binds the node's /dev/shm (world-writable, shared by every tenant) into its private /dev:
        // a tmpfs of its own instead, so POSIX shared memory and semaphores still work but reach no one else.
        Set("TemporaryFileSystem", "/dev/shm:mode=1777,nosuid,nodev,noexec");
        // SysV IPC and POSIX message queues of its own.
        Set("PrivateIPC", "yes");
        Set("ProtectKernelTunables", "yes");
        Set("ProtectKernelModules", "yes");
        Set("ProtectKernelLogs", "yes");
        Set("ProtectControlGroups", "yes");
        Set("ProtectClock", "yes");
        Set("ProtectHostname", "yes");
        // Other users' processes are invisible in /proc.
        Set("ProtectProc", "invisible");
        if (!allow.Contains(SandboxRelaxation.SystemInfo))
        {
            Set("ProcSubset", "pid");
        }

        Set("RestrictSUIDSGID", "yes");
        if (!allow.Contains(SandboxRelaxation.CreateNamespaces))
        {
            Set("RestrictNamespaces", "yes");
        }

        Set("RestrictRealtime", "yes");
        Set("LockPersonality", "yes");
        // SysV/POSIX IPC objects go when the environment's last unit stops (systemd counts units per user, so
        // stopping the old slot leaves the new one's alone).
        Set("RemoveIPC", "yes");
        Set("SystemCallArchitectures", "native");
        if (!allow.Contains(SandboxRelaxation.AnySystemCall))
        {
            Set("SystemCallFilter", "@system-service");
            // A filtered call fails with EPERM instead of killing the process, so the app can report it.
            Set("SystemCallErrorNumber", "EPERM");
        }

        if (!allow.Contains(SandboxRelaxation.AnyAddressFamily))
        {
            Set("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6");
        }

        // Not set: MemoryDenyWriteExecute (breaks every JIT: node, PHP's opcache JIT, the JVM, .NET), PrivateNetwork
        // and IPAddressDeny (apps talk to databases and APIs), RootDirectory (apps use the node's runtimes).
        return s.ToImmutable();
    }
}
