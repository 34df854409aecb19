using System.Collections.Immutable;
using System.IO.Pipelines;
using Provider.Nodes.Apply;
using Provider.Nodes.Remote;
using Provider.Nodes.Ssh;
using Provider.Planning.Plan;
using Provider.Planning.Planner;

namespace Provider.Nodes.Move;

/// <summary>A move step that failed: what the operator reads (the old node is started again by the caller).</summary>
public sealed class MoveException(string message) : Exception(message);

/// <summary>What the old node says about an environment that the plan moves away from it (move-probe.sh).</summary>
public sealed record MoveProbe(bool Holds, string? MovedTo, ImmutableArray<string> StoppedUnits)
{
    public static MoveProbe Parse(string stdout)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? Value(string key) => lines.FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal))?[(key.Length + 1)..];
        return new MoveProbe(Value("holds") == "yes", Value("moved"),
            [.. (Value("stopped") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
    }
}

/// <summary>
/// Moving one environment's data from its previous node to its new one (DESIGN §12) through the deployer's two SSH
/// sessions: the nodes never talk to each other, and nothing is staged on the deployer's disk (the tar streams from one
/// session into the other through a small in-memory pipe). A first copy runs while the old node still serves; then the
/// old app is stopped (no more writes), a second pass sends only what changed since, both ends hash every file and the
/// manifests must match before the data is put in place. Starting and health-checking on the new node is the normal
/// environment stage; only after it serves is the old copy retired (or kept stopped).
/// </summary>
public sealed class EnvironmentMove(EnvironmentPlan env, SshNodeSession source, SshNodeSession target, Action<string> progress, TimeProvider clock)
{
    /// <summary>Root-only, beside the homes (so installing is a rename on the same filesystem, and no tenant can touch it).</summary>
    public const string StagingRoot = "/home/.hostenv-move";

    /// <summary>Entries of one tar stream are bounded by this many bytes of file data (a bigger file travels alone).</summary>
    private const long BatchBytes = 64L * 1024 * 1024;

    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromHours(6);

    private long? stoppedAt;

    public string User => env.UserName;

    public string From => source.Target.Node;

    public string To => target.Target.Node;

    public ImmutableArray<string> Paths { get; } = MovePaths.Of(env);

    private string Home => HostenvPaths.Home(env.UserName);

    private string Staging => $"{StagingRoot}/{env.UserName}";

    private string EnvDir => HostenvPaths.EnvStateDir(env.UserName);

    private ImmutableArray<string> Units => [EnvironmentStage.AppUnit(User, "a"), EnvironmentStage.AppUnit(User, "b")];

    /// <summary>When the old app was stopped by this run (the start of the unavailability window), if it was.</summary>
    public long? StoppedAt => stoppedAt;

    public static async Task<MoveProbe> ProbeAsync(SshNodeSession source, string user, CancellationToken ct)
    {
        var r = await source.RunAsync(RemoteScripts.Command("move-probe.sh", user, HostenvPaths.EnvStateDir(user)).AsRoot(), TimeSpan.FromMinutes(1), ct);
        return r.Success ? MoveProbe.Parse(r.Stdout) : throw new MoveException($"cannot read {user}'s state on {source.Target.Node}: {(r.Stderr + r.Stdout).Trim()}");
    }

    /// <summary>What would travel (for --dry-run): the old node's data, unhashed.</summary>
    public static async Task<DataManifest> ReadSourceAsync(SshNodeSession source, EnvironmentPlan env, CancellationToken ct) =>
        await ManifestAsync(source, HostenvPaths.Home(env.UserName), MovePaths.Of(env), hash: false, ct);

    /// <summary>The first copy, while the old node still serves (skipped when an interrupted move already stopped it).</summary>
    public async Task BulkAsync(bool alreadyStopped, CancellationToken ct)
    {
        if (alreadyStopped)
        {
            progress($"{To}/{User}: the interrupted move had stopped it on {From}; copying what is left");
            return;
        }

        var started = clock.GetTimestamp();
        var (sent, bytes) = await SyncAsync(hash: false, ct);
        progress($"{To}/{User}: first copy from {From} while it still serves: {sent} entr{(sent == 1 ? "y" : "ies")}, {DataManifest.Size(bytes)} in {Seconds(clock.GetElapsedTime(started))}");
    }

    /// <summary>Stops the old app (writes end), copies what changed since the first copy, verifies both ends' sha256 manifests and installs the data.</summary>
    public async Task FinalAsync(Action<string> journal, CancellationToken ct)
    {
        stoppedAt = clock.GetTimestamp();
        var stop = await source.RunAsync(RemoteScripts.Command("move-stop.sh", [EnvDir, .. Units]).AsRoot(), TimeSpan.FromMinutes(2), ct);
        if (!stop.Success)
        {
            throw new MoveException($"could not stop {User} on {From}: {(stop.Stderr + stop.Stdout).Trim()}");
        }

        progress($"{From}/{User}: stopped for the final copy (no more writes; unavailable from now until it is healthy on {To})");
        journal("move-stopped");
        var started = clock.GetTimestamp();
        var (sent, bytes, files, total) = await FinalSyncAsync(ct);
        progress($"{To}/{User}: final copy: {sent} changed entr{(sent == 1 ? "y" : "ies")}, {DataManifest.Size(bytes)}; sha256 of all {files} file(s) ({DataManifest.Size(total)}) match on both nodes ({Seconds(clock.GetElapsedTime(started))})");
        var install = await target.RunAsync(RemoteScripts.Command("move-install.sh", [Staging, Home, env.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), EnvDir, .. Paths]).AsRoot(), StepTimeout, ct);
        if (!install.Success)
        {
            throw new MoveException($"installing the data on {To} failed: {(install.Stderr + install.Stdout).Trim()}");
        }

        journal("move-synced");
    }

    /// <summary>A failed move: the old node serves again (the units the move stopped are started).</summary>
    public async Task<string> RestartOldAsync(CancellationToken ct)
    {
        try
        {
            var r = await source.RunAsync(RemoteScripts.Command("move-restart.sh", EnvDir, HostenvPaths.UpstreamRuntimeDir(User)).AsRoot(), TimeSpan.FromMinutes(2), ct);
            return r.Success ? $"{From} serves {User} again" : $"starting {User} again on {From} FAILED: {(r.Stderr + r.Stdout).Trim()}";
        }
        catch (NodeConnectionException ex)
        {
            return $"starting {User} again on {From} FAILED: {ex.Message}";
        }
    }

    /// <summary>After the new node serves: the old copy stays stopped and is removed unless <paramref name="keep"/>.</summary>
    public async Task RetireAsync(bool keep, CancellationToken ct)
    {
        var r = await source.RunAsync(RemoteScripts.Command("move-retire.sh", [EnvDir, Home, To, keep ? "yes" : "no", string.Join(' ', Paths), .. Units]).AsRoot(), StepTimeout, ct);
        if (!r.Success)
        {
            throw new MoveException($"{User} serves on {To}, but retiring the old copy on {From} failed: {(r.Stderr + r.Stdout).Trim()}");
        }

        progress(keep ? $"{From}/{User}: kept stopped (--keep-old); it serves on {To}" : $"{From}/{User}: stopped and removed (releases and data); it serves on {To}");
    }

    /// <summary>One line for both nodes' deploys.log: the move and how long the environment was unavailable.</summary>
    public async Task RecordHistoryAsync(string release, string rev, TimeSpan window, CancellationToken ct)
    {
        var line = string.Join('\t', clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), release, rev,
            $"moved-from-{From}", window.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)) + "\n";
        foreach (var (session, text) in new[] { (target, line), (source, line.Replace($"moved-from-{From}", $"moved-to-{To}", StringComparison.Ordinal)) })
        {
            await session.RunAsync(RemoteCommand.Shell("[ -d \"$1\" ] && cat >> \"$1/deploys.log\"; true", EnvDir).AsRoot(), TimeSpan.FromMinutes(1), text, ct);
        }
    }

    private async Task<(int Sent, long Bytes)> SyncAsync(bool hash, CancellationToken ct)
    {
        var (from, to) = await BothManifestsAsync(hash, ct);
        var (send, remove) = DataManifest.Diff(from, to);
        await RemoveAsync(remove, ct);
        return (send.Length, await TransferAsync(from, send, ct));
    }

    private async Task<(int Sent, long Bytes, int Files, long Total)> FinalSyncAsync(CancellationToken ct)
    {
        var (from, to) = await BothManifestsAsync(hash: true, ct);
        var (send, remove) = DataManifest.Diff(from, to);
        await RemoveAsync(remove, ct);
        var bytes = await TransferAsync(from, send, ct);
        var arrived = await ManifestAsync(target, Staging, Paths, hash: true, ct);
        var mismatches = DataManifest.Mismatches(from, arrived);
        if (!mismatches.IsEmpty)
        {
            throw new MoveException($"the copy on {To} does not match {From} ({mismatches.Length} difference(s)): {string.Join("; ", mismatches.Take(5))}");
        }

        return (send.Length, bytes, from.Files, from.Bytes);
    }

    private async Task<(DataManifest From, DataManifest To)> BothManifestsAsync(bool hash, CancellationToken ct)
    {
        // Both nodes hash at the same time: in the final pass this is most of the unavailability window.
        var from = ManifestAsync(source, Home, Paths, hash, ct);
        var to = ManifestAsync(target, Staging, Paths, hash, ct);
        return (await from, await to);
    }

    private static async Task<DataManifest> ManifestAsync(SshNodeSession session, string dir, ImmutableArray<string> paths, bool hash, CancellationToken ct)
    {
        using var output = new MemoryStream();
        var r = await session.StreamAsync(RemoteScripts.Command("move-manifest.sh", [dir, .. paths]).AsRoot().WithEnvironment("HASH", hash ? "yes" : "no"),
            StepTimeout, null, (stdout, t) => stdout.CopyToAsync(output, t), ct);
        if (!r.Success)
        {
            throw new MoveException($"listing the data on {session.Target.Node} failed: {r.Stderr.Trim()}");
        }

        try
        {
            return DataManifest.Parse(output.ToArray());
        }
        catch (FormatException ex)
        {
            throw new MoveException($"the data listing from {session.Target.Node} is malformed: {ex.Message}");
        }
    }

    private async Task RemoveAsync(ImmutableArray<string> remove, CancellationToken ct)
    {
        if (remove.IsEmpty)
        {
            return;
        }

        var list = DataManifest.NulList(remove.Select(Safe));
        var r = await target.StreamAsync(RemoteScripts.Command("move-delete.sh", Staging).AsRoot(), StepTimeout, (stdin, t) => stdin.WriteAsync(list, t).AsTask(), null, ct);
        if (!r.Success)
        {
            throw new MoveException($"removing stale entries on {To} failed: {r.Stderr.Trim()}");
        }
    }

    /// <summary>Streams the entries in batches (each a tar from the old node piped into the new one); returns the tar bytes that travelled.</summary>
    private async Task<long> TransferAsync(DataManifest from, ImmutableArray<string> send, CancellationToken ct)
    {
        long total = 0;
        var batch = new List<string>();
        long batchBytes = 0;
        foreach (var path in send)
        {
            var size = from.Entries[path].Type == 'f' ? from.Entries[path].Size : 0;
            if (batch.Count > 0 && batchBytes + size > BatchBytes)
            {
                total += await TransferBatchAsync(batch, ct);
                batch.Clear();
                batchBytes = 0;
            }

            batch.Add(Safe(path));
            batchBytes += size;
        }

        if (batch.Count > 0)
        {
            total += await TransferBatchAsync(batch, ct);
        }

        return total;
    }

    private async Task<long> TransferBatchAsync(IReadOnlyList<string> paths, CancellationToken ct)
    {
        // The pipe holds a few MiB at most: SSH.NET does not slow the old node down when the new one is slower, so a
        // batch bounds what can pile up in memory.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 8 << 20, resumeWriterThreshold: 4 << 20));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var list = DataManifest.NulList(paths);
        long bytes = 0;
        var send = Capture(async () =>
        {
            try
            {
                var r = await source.StreamAsync(RemoteScripts.Command("move-send.sh", Home).AsRoot(), TransferTimeout,
                    (stdin, t) => stdin.WriteAsync(list, t).AsTask(),
                    async (stdout, t) =>
                    {
                        var buffer = new byte[1 << 16];
                        int n;
                        while ((n = await stdout.ReadAsync(buffer, t)) > 0)
                        {
                            if ((await pipe.Writer.WriteAsync(buffer.AsMemory(0, n), t)).IsCompleted)
                            {
                                break; // the receiving side is gone; its result says why
                            }

                            bytes += n;
                        }
                    }, cts.Token);
                await pipe.Writer.CompleteAsync();
                return r;
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex);
                throw;
            }
        }, cts);
        var receive = Capture(async () =>
        {
            try
            {
                var r = await target.StreamAsync(RemoteScripts.Command("move-receive.sh", Staging, StagingRoot).AsRoot(), TransferTimeout,
                    (stdin, t) => pipe.Reader.CopyToAsync(stdin, t), null, cts.Token);
                await pipe.Reader.CompleteAsync();
                return r;
            }
            catch (Exception ex)
            {
                await pipe.Reader.CompleteAsync(ex);
                throw;
            }
        }, cts);
        var (sent, sendError) = await send;
        var (received, receiveError) = await receive;
        if (received is not { Success: true })
        {
            throw new MoveException($"copying to {To} failed: {(received?.Stderr.Trim() is { Length: > 0 } e ? e : receiveError?.Message ?? "no exit status")}");
        }

        if (sent is not { Success: true })
        {
            throw new MoveException($"reading the data on {From} failed: {(sent?.Stderr.Trim() is { Length: > 0 } e ? e : sendError?.Message ?? "no exit status")}");
        }

        return bytes;
    }

    /// <summary>Runs one side of a transfer; a failure cancels the other side (so neither waits for a peer that is gone).</summary>
    private static async Task<(CommandResult? Result, Exception? Error)> Capture(Func<Task<CommandResult>> side, CancellationTokenSource both)
    {
        try
        {
            var r = await side();
            if (!r.Success)
            {
                await both.CancelAsync();
            }

            return (r, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await both.CancelAsync();
            return (null, ex);
        }
    }

    /// <summary>A listed path must stay inside the directory it is relative to (the node lists it, the deployer checks it).</summary>
    private static string Safe(string path) =>
        path.Length == 0 || path.StartsWith('/') || path.Split('/').Any(p => p is ".." or "") || path.Contains('\0', StringComparison.Ordinal)
            ? throw new MoveException($"refusing the listed path '{DataManifest.Display(path)}'")
            : path;

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s";
}

/// <summary>The data an environment's move carries, relative to its home: XDG data and state, its sharedDirs and app.data.</summary>
public static class MovePaths
{
    /// <summary>What every environment's move carries: the XDG data and state directories under its home.</summary>
    public static ImmutableArray<string> Always { get; } = [".local/share", ".local/state"];

    public static ImmutableArray<string> Of(EnvironmentPlan env)
    {
        var all = Always
            .Concat(env.App?.SharedDirs.Select(d => "shared/" + d) ?? [])
            .Concat(env.App?.Data ?? [])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        // A path inside another one travels with it.
        return [.. all.Where(p => !all.Any(o => o != p && p.StartsWith(o + "/", StringComparison.Ordinal)))];
    }
}
