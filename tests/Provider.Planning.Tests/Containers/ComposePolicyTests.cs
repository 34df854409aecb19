using Provider.Planning.Containers;
using Provider.Planning.Diagnostics;

namespace Provider.Planning.Tests.Containers;

/// <summary>
/// ComposePolicy (issue 11, item 5): each way out of the tenant is refused with its own message at the offending node,
/// and each is accepted once provider.yaml allows exactly that feature; what stays inside the tenant always passes.
/// </summary>
public class ComposePolicyTests
{
    private const string User = "shop-main-0000000";

    private static ComposePolicyResult Check(string compose, params string[] allow) =>
        ComposePolicy.Check(new ComposePolicyInput("examples/shop/compose.yaml", "deploy/compose.yaml", compose, "acme__shop", User, [.. allow]));

    private static string Service(string lines, string top = "") => "services:\n  web:\n    image: shop\n" + lines + "  db:\n    image: db\n" + top;

    /// <summary>One compose file per feature, each using only that feature.</summary>
    public static TheoryData<string, string> Escapes() => new()
    {
        { ContainerFeature.Privileged, Service("    privileged: true\n") },
        { ContainerFeature.HostNetwork, Service("    network_mode: host\n") },
        { ContainerFeature.HostPid, Service("    pid: host\n") },
        { ContainerFeature.HostIpc, Service("    ipc: host\n") },
        { ContainerFeature.HostUts, Service("    uts: host\n") },
        { ContainerFeature.HostUserns, Service("    userns_mode: host\n") },
        { ContainerFeature.JoinContainers, Service("    pid: container:billing-web\n") },
        { ContainerFeature.CapAdd, Service("    cap_add: [SYS_ADMIN]\n") },
        { ContainerFeature.Devices, Service("    devices: [/dev/kvm]\n") },
        { ContainerFeature.Unconfined, Service("    security_opt: [seccomp=unconfined]\n") },
        { ContainerFeature.CgroupParent, Service("    cgroup_parent: /\n") },
        { ContainerFeature.BindMounts, Service("    volumes: [\"/srv:/srv\"]\n") },
        { ContainerFeature.DockerSocket, Service("    volumes: [\"/run/docker.sock:/var/run/docker.sock\"]\n") },
        { ContainerFeature.HostPorts, Service("    ports: [\"127.0.0.1:8080:80\"]\n") },
        { ContainerFeature.SharedResources, Service("    networks: [shared]\n", "networks:\n  shared:\n    name: billing_default\n") },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Check_FeatureNotAllowed_OneErrorNamingTheAllowance(string feature, string compose)
    {
        var result = Check(compose);

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(ContainerCodes.FeatureNotAllowed, error.Code);
        Assert.Equal("examples/shop/compose.yaml", error.Position?.File);
        Assert.Matches(@"^(services\.web|networks\.shared)\.", error.Field);
        Assert.Contains($"projects.acme__shop.containers.allow: [{feature}]", error.Hint, StringComparison.Ordinal);
        Assert.False(result.Allowed);
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Check_FeatureAllowed_PassesAndReportsItUsed(string feature, string compose)
    {
        var result = Check(compose, feature);

        Assert.Empty(result.Diagnostics);
        Assert.Equal([feature], result.UsedFeatures.ToArray());
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Check_AnotherFeatureAllowed_StillRefused(string feature, string compose)
    {
        var others = ContainerFeature.All.Where(f => f != feature).ToArray();

        var result = Check(compose, others);

        Assert.Equal(ContainerCodes.FeatureNotAllowed, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Check_EachFeature_HasItsOwnMessage()
    {
        var messages = Escapes().Select(row => Assert.Single(Check((string)row[1]).Diagnostics).Message).ToList();

        Assert.Equal(messages.Count, messages.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Check_Privileged_PointsAtTheValue()
    {
        var error = Assert.Single(Check("services:\n  web:\n    image: shop\n    privileged: true\n").Diagnostics);

        Assert.Equal(new SourcePosition("examples/shop/compose.yaml", 4, 17), error.Position);
        Assert.Equal("services.web.privileged", error.Field);
        Assert.Contains("every capability and every device", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    volumes: [\"./data:/data\", \"uploads:/uploads\", \"/tmp\"]\n")] // release-relative, named, anonymous
    [InlineData("    volumes: [\"../static:/static:ro\"]\n")] // the compose file is in deploy/: ../static is the release's static/
    [InlineData("    volumes: [\"/home/shop-main-0000000/.local/share/uploads:/uploads\"]\n")]
    [InlineData("    volumes: [\"/home/shop-main-0000000/.local/state:/state\", \"/home/shop-main-0000000/.cache/x:/cache\"]\n")]
    [InlineData("    volumes:\n      - { type: volume, source: data, target: /data }\n      - { type: tmpfs, target: /tmp }\n")]
    [InlineData("    network_mode: service:db\n    ipc: shareable\n    pid: service:db\n")]
    [InlineData("    network_mode: none\n")]
    [InlineData("    volumes_from: [\"db:ro\"]\n")]
    [InlineData("    security_opt: [\"no-new-privileges:true\", \"label:level:s0:c100,c200\"]\n")]
    [InlineData("    privileged: false\n    cap_drop: [ALL]\n    expose: [\"8080\"]\n    cap_add: []\n    ports: []\n")]
    [InlineData("    build: { context: .., dockerfile: deploy/Dockerfile }\n    env_file: [.env, { path: ./local.env, required: false }]\n")]
    [InlineData("    build: https://git.example.com/acme/shop.git#main\n")]
    [InlineData("    extends: { file: base.yaml, service: web }\n")]
    [InlineData("    user: \"1000\"\n    init: true\n    environment: { PRIVILEGED: \"true\" }\n    command: [\"--privileged\", \"/var/run/docker.sock\"]\n")]
    public void Check_InsideTheTenant_Passes(string lines)
    {
        var result = Check(Service(lines, "volumes:\n  data: {}\n  uploads:\n    driver: local\n"));

        Assert.True(result.Allowed, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        Assert.Empty(result.UsedFeatures);
    }

    [Fact]
    public void Check_ExtendsAndIncludeInRelease_ListsTheFilesForTheCallerToCheck()
    {
        var result = Check("include:\n  - common/compose.yaml\nservices:\n  web:\n    extends: { file: ./base.yaml, service: web }\n");

        Assert.Empty(result.Diagnostics);
        Assert.Equal(["deploy/base.yaml", "deploy/common/compose.yaml"], result.IncludedFiles.ToArray());
    }

    [Fact]
    public void CheckWithIncludes_PrivilegedInExtendedFile_RefusedInThatFile()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["deploy/base.yaml"] = "include: [more.yaml]\nservices:\n  web:\n    image: shop\n",
            ["deploy/more.yaml"] = "services:\n  worker:\n    image: shop\n    privileged: true\n",
        };

        var result = ComposePolicy.CheckWithIncludes(
            new ComposePolicyInput("examples/shop/deploy/compose.yaml", "deploy/compose.yaml", "services:\n  web:\n    extends: { file: base.yaml, service: web }\n    volumes_from: [web]\n", "acme__shop", User, []),
            path => files.GetValueOrDefault(path), path => "examples/shop/" + path);

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(new SourcePosition("examples/shop/deploy/more.yaml", 4, 17), error.Position);
        Assert.Equal(["deploy/base.yaml", "deploy/more.yaml"], result.IncludedFiles.ToArray());
    }

    [Fact]
    public void CheckWithIncludes_IncludedFileMissing_Error()
    {
        var result = ComposePolicy.CheckWithIncludes(
            new ComposePolicyInput("c.yaml", "c.yaml", "include: [gone.yaml]\n", "acme__shop", User, []), _ => null, p => p);

        Assert.Equal(ContainerCodes.FileOutsideRelease, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Check_DockerSocketAllowedForARunMount_StillNeedsBindMounts()
    {
        var compose = Service("    volumes: [\"/var/run:/host-run\"]\n");

        Assert.Equal([ContainerCodes.FeatureNotAllowed], Check(compose, ContainerFeature.DockerSocket).Diagnostics.Select(d => d.Code));
        Assert.Contains("bindMounts", Assert.Single(Check(compose, ContainerFeature.DockerSocket).Diagnostics).Hint, StringComparison.Ordinal);
        Assert.Contains("dockerSocket", Assert.Single(Check(compose, ContainerFeature.BindMounts).Diagnostics).Hint, StringComparison.Ordinal);
        Assert.Empty(Check(compose, ContainerFeature.BindMounts, ContainerFeature.DockerSocket).Diagnostics);
    }

    [Fact]
    public void Check_EveryOffendingItem_ReportedTogether()
    {
        var result = Check(Service("    privileged: true\n    ports: [\"80:80\", \"443:443\"]\n    volumes: [\"/etc:/etc\", \"./ok:/ok\", \"/root:/root\"]\n"));

        Assert.Equal(
            ["services.web.ports.0", "services.web.ports.1", "services.web.privileged", "services.web.volumes.0", "services.web.volumes.2"],
            result.Diagnostics.Select(d => d.Field ?? "").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Check_SameInput_SameDiagnostics()
    {
        var compose = Service("    privileged: true\n    pid: host\n    volumes: [\"/etc:/etc\"]\n");

        Assert.Equal(Check(compose).Diagnostics.ToArray(), Check(compose).Diagnostics.ToArray());
    }

    [Fact]
    public void Check_UnknownTopLevelKeysAndEmptyFile_NotThePolicysBusiness()
    {
        Assert.Empty(Check("").Diagnostics);
        Assert.Empty(Check("version: \"3.9\"\nx-anything: { privileged: true }\nservices: {}\n").Diagnostics);
    }
}
