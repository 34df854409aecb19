using System.Runtime.CompilerServices;

namespace Provider.Nodes.Tests.Fixtures;

internal static class ThreadPoolSetup
{
    /// <summary>As the CLI does: SSH.NET blocks a thread per session, so many parallel sessions need a wider pool.</summary>
    [ModuleInitializer]
    internal static void Widen()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), io);
    }
}
