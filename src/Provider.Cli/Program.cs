using Provider.Cli;

// SSH.NET blocks one thread per open session; with nodes deployed in parallel the thread pool would
// otherwise starve while it injects threads slowly (measured: 20 sessions stalled past 30 s).
ThreadPool.GetMinThreads(out var workers, out var io);
ThreadPool.SetMinThreads(Math.Max(workers, 64), io);

return await CliApp.RunAsync(args, CliConsole.System());
