using System.Collections.Immutable;

namespace Provider.Planning.Containers;

/// <summary>
/// What a compose project may do beyond its tenant only when provider.yaml allows it for that project
/// (`projects.&lt;name&gt;.containers.allow`). The names are the schema's enum and the plan's values. Docker access is
/// root on the node, so each of these hands a project more than its own environment.
/// </summary>
public static class ContainerFeature
{
    /// <summary>`privileged: true`: every capability and every device of the node.</summary>
    public const string Privileged = "privileged";

    /// <summary>`network_mode: host`: the node's network stack, its loopback services and every port.</summary>
    public const string HostNetwork = "hostNetwork";

    /// <summary>`pid: host`: sees and signals every process of the node.</summary>
    public const string HostPid = "hostPid";

    /// <summary>`ipc: host`: the node's shared memory and semaphores.</summary>
    public const string HostIpc = "hostIpc";

    /// <summary>`uts: host`: may change the node's host name.</summary>
    public const string HostUts = "hostUts";

    /// <summary>`userns_mode: host`: no user-namespace remapping, container root is the node's root.</summary>
    public const string HostUserns = "hostUserns";

    /// <summary>`container:NAME` in network_mode, pid, ipc or volumes_from: joins a container of any project.</summary>
    public const string JoinContainers = "joinContainers";

    /// <summary>`cap_add`: capabilities beyond Docker's default set.</summary>
    public const string CapAdd = "capAdd";

    /// <summary>`devices` and `device_cgroup_rules`: the node's device nodes.</summary>
    public const string Devices = "devices";

    /// <summary>`security_opt` that switches confinement off (seccomp, AppArmor or SELinux unconfined, a custom seccomp profile).</summary>
    public const string Unconfined = "unconfined";

    /// <summary>`cgroup_parent`: leaves the environment's slice, and with it its CPU and memory limits.</summary>
    public const string CgroupParent = "cgroupParent";

    /// <summary>Node paths outside the environment's own directories: bind mounts, volume driver_opts devices, env_file, build contexts, secrets and configs files.</summary>
    public const string BindMounts = "bindMounts";

    /// <summary>The Docker socket (or a directory holding it) mounted into a container: root on the node.</summary>
    public const string DockerSocket = "dockerSocket";

    /// <summary>`ports:` published on the node; the vhost reaches the service through its socket, and host ports clash between tenants.</summary>
    public const string HostPorts = "hostPorts";

    /// <summary>Volumes and networks that are `external` or have an explicit `name:`: shared with other compose projects.</summary>
    public const string SharedResources = "sharedResources";

    public static readonly ImmutableArray<string> All =
    [
        BindMounts, CapAdd, CgroupParent, Devices, DockerSocket, HostIpc, HostNetwork, HostPid, HostPorts, HostUserns, HostUts,
        JoinContainers, Privileged, SharedResources, Unconfined,
    ];
}
