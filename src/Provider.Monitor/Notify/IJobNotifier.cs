using Provider.Monitor.Jobs;

namespace Provider.Monitor.Notify;

/// <summary>Told by the job runner when a job has ended (after its result is stored).</summary>
public interface IJobNotifier
{
    /// <summary>Queues the notifications and returns at once: never waits for a receiver and never throws for one.</summary>
    ValueTask NotifyAsync(Job job, JobState state, int exitCode, string summary);
}
