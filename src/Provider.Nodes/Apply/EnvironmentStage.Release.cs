using System.Formats.Tar;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Apply;

/// <summary>A release on the node: missing blobs uploaded, the release directory assembled, build and hook commands run as the environment's user, a failed release discarded.</summary>
public sealed partial class EnvironmentStage
{
    private static async Task<(int Count, long Bytes)> UploadBlobsAsync(SshNodeSession session, ReleaseFiles release, CancellationToken ct)
    {
        var distinct = release.Files.DistinctBy(f => f.Sha256).ToList();
        var missing = await session.RunAsync(RemoteScripts.Command("env-blobs-missing.sh", BlobsRoot).AsRoot(), StepTimeout, string.Concat(distinct.Select(f => f.Sha256 + "\n")), ct);
        if (!missing.Success)
        {
            throw new DeployStepException("upload", (missing.Stderr + missing.Stdout).Trim());
        }

        var need = missing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var send = distinct.Where(f => need.Contains(f.Sha256)).ToList();
        if (send.Count == 0)
        {
            return (0, 0);
        }

        var tarPath = Path.Combine(Path.GetTempPath(), $"hostenv-blobs-{Environment.ProcessId}-{Guid.NewGuid():N}.tar");
        try
        {
            await using (var file = File.Create(tarPath))
            await using (var writer = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: false))
            {
                foreach (var f in send)
                {
                    await using var data = f.Open();
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, f.Sha256) { DataStream = data, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite }, ct);
                }
            }

            var staging = $"/tmp/hostenv-blobs-{Guid.NewGuid():N}.tar";
            await using (var upload = File.OpenRead(tarPath))
            {
                await session.UploadAsync(upload, staging, UnixFileMode.UserRead | UnixFileMode.UserWrite, ct);
            }

            // Verified before they enter the store: a blob's name is its hash.
            await Run(session, "store blobs", RemoteScripts.Command("env-blobs-store.sh", BlobsRoot, staging).AsRoot(), ct);
            return (send.Count, send.Sum(f => f.Size));
        }
        finally
        {
            File.Delete(tarPath);
        }
    }

    /// <summary>Assembles the release; true when host-local override files were laid over it (the tree then differs from the source's files).</summary>
    private static async Task<bool> AssembleAsync(SshNodeSession session, string user, EnvironmentPlan env, ReleaseFiles release, string releaseDir, CancellationToken ct)
    {
        var manifest = string.Concat(release.Files.Select(f => $"{f.Mode}\t{f.Sha256}\t{f.Path}\n"));

        var shared = env.App?.SharedDirs.ToArray() ?? [];
        var r = await session.RunAsync(RemoteScripts.Command("env-assemble.sh", [BlobsRoot, releaseDir, user, RemoteScripts.File("assemble.pl"), HostenvPaths.Home(user), env.Paths.DataDir, env.Paths.StateDir, env.Paths.CacheDir, .. shared]).AsRoot()
            .WithEnvironment("STATIC", env.App?.IsStatic == true ? "yes" : "no")
            .WithEnvironment("LINK", SharesUnchangedFiles(env) ? "yes" : "no"), StepTimeout, manifest, ct);
        if (!r.Success)
        {
            throw new DeployStepException("assemble", (r.Stderr + r.Stdout).Trim());
        }

        return r.Stdout.Split('\n').Any(l => l.StartsWith("overlaid ", StringComparison.Ordinal));
    }

    /// <summary>Whether a new release may hard-link unchanged files of the live one: only when nothing can write into a release.</summary>
    internal static bool SharesUnchangedFiles(EnvironmentPlan env) =>
        env.App is { } app && app.Build.IsEmpty && app.Hooks.PreDeploy is null && app.Hooks.PostDeploy is null
        && !app.SandboxAllow.Contains(Provider.Planning.Model.SandboxRelaxation.WriteRelease);

    private static Task<CommandResult> AsUserAsync(SshNodeSession session, string user, string dir, string command, TimeSpan timeout, string log, CancellationToken ct) =>
        session.RunAsync(RemoteScripts.Command("env-as-user.sh", user, dir, command, log, HostenvPaths.Home(user)).AsRoot().WithRemoteTimeout(timeout), timeout + TimeSpan.FromSeconds(30), ct);

    private static async Task DiscardAsync(SshNodeSession session, string user, string releaseDir, string? slot, CancellationToken ct)
    {
        // A failed release is removed at once; its slot link goes with it (the live slot is untouched).
        await session.RunAsync(RemoteScripts.Command("env-discard.sh", releaseDir, HostenvPaths.Home(user), slot ?? "").AsRoot(), StepTimeout, ct);
    }
}
