namespace Provider.Monitor.Storage;

/// <summary>The database was written by a newer build (its schema has migrations this build does not know); it is left untouched.</summary>
public sealed class MonitorStoreVersionException(string path, int foundVersion, int knownVersion)
    : Exception($"The monitor database {path} has schema version {foundVersion}, but this build knows versions up to {knownVersion}; "
        + "it was written by a newer hostenv-provider. Upgrade this build, or point the monitor at another database file.")
{
    public string Path { get; } = path;

    public int FoundVersion { get; } = foundVersion;

    public int KnownVersion { get; } = knownVersion;
}
