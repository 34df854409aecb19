using Provider.Nodes.Repository;

namespace Provider.Cli.Commands;

/// <summary>Takes the provider repo's write lock for a command, turning contention into a clear user error.</summary>
public static class RepoLocking
{
    public static RepoLock? Acquire(ProviderRepository repo, string command, CliConsole console)
    {
        if (!Directory.Exists(repo.Root))
        {
            return null; // nothing to lock; the command reports the missing repo itself
        }

        try
        {
            var taken = RepoLock.Acquire(repo.Root, command, TimeProvider.System);
            if (taken.TakenOverFrom is { } previous)
            {
                console.Error.WriteLine($"note: took over the repo lock left by {previous}, which is no longer running");
            }

            return taken;
        }
        catch (RepoLockedException ex)
        {
            throw new UserException(ex.Message + $" (lock file: {RepoLock.PathFor(repo.Root)})");
        }
    }
}
