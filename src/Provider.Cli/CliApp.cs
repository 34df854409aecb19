using System.CommandLine;
using Provider.Cli.Commands;
using Provider.Nodes.Locking;
using Provider.Nodes.Repository;
using Provider.Nodes.Sources;
using Provider.Nodes.Ssh;
using Provider.Nodes.State;

namespace Provider.Cli;

/// <summary>The command tree. Program.Main and the in-process CLI tests both enter here.</summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("hostenv-provider: plan and deploy hostenv environments onto your servers.");
        root.Options.Add(CommonOptions.Dir);
        root.Options.Add(CommonOptions.Identity);
        root.Subcommands.Add(PlanCommand.Create(console));
        root.Subcommands.Add(SchemaCommand.Create(console));
        root.Subcommands.Add(LockCommand.Create(console));
        root.Subcommands.Add(StateCommand.Create(console, () => new SshUserPresenceProbe(SshKeyLocator.Locate(null), "deploy")));
        root.Subcommands.Add(NodeCommand.Create(console));
        root.Subcommands.Add(DnsGateCommand.Create(console));
        root.Subcommands.Add(NodesBuildCommand.Create(console));
        root.Subcommands.Add(DeployCommand.Create(console));
        root.Subcommands.Add(RollbackCommand.Create(console));
        root.Subcommands.Add(StatusCommand.CreateStatus(console));
        root.Subcommands.Add(StatusCommand.CreateHistory(console));
        root.Subcommands.Add(SecretsCommand.Create(console));
        root.Subcommands.Add(VerifyCommand.Create(console));
        root.Subcommands.Add(DiagnoseCommand.Create(console));
        root.Subcommands.Add(PullCommand.Create(console));
        root.Subcommands.Add(ServeCommand.Create(console));
        root.Subcommands.Add(TokenCommand.Create(console));
        root.Subcommands.Add(HookCommand.Create(console));
        root.Subcommands.Add(LogsCommand.Create(console));
        root.Subcommands.Add(CompletionCommand.Create(console));

        if (Environment.GetEnvironmentVariable("HOSTENV_PROVIDER_TRACE") is "1" or "true")
        {
            var gate = new object();
            SshNodeSession.Trace = line =>
            {
                lock (gate)
                {
                    console.Error.WriteLine(line);
                }
            };
            Provider.Nodes.Diagnostics.Timeline.Sink = SshNodeSession.Trace;
            Provider.Nodes.Diagnostics.Timeline.Mark("command line parsed, commands built");
        }

        // Ctrl+C / SIGTERM cancel the running command; it then gets time to release node locks and close
        // sessions (System.CommandLine's default is 2 s, after which it abandons that cleanup mid-way).
        var config = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
        };
        try
        {
            return await root.Parse(args).InvokeAsync(config, cancellationToken);
        }
        catch (UserException ex)
        {
            console.Error.WriteLine("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (Provider.Nodes.Engine.OperationRefusedException ex)
        {
            if (!ex.Diagnostics.IsEmpty)
            {
                Output.DiagnosticPrinter.Print(console, ex.Diagnostics);
            }

            console.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.Error;
        }
        catch (Exception ex) when (ex is NodeConnectionException or NodeLockException or GitSourceException or RepoLockedException or Provider.Nodes.Apply.DeployStepException or Provider.Nodes.Apply.ReleaseSourceException)
        {
            // Operational failures the user can act on: the message says what and where; no stack trace.
            console.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.Error;
        }
        catch (OperationCanceledException)
        {
            console.Error.WriteLine("cancelled.");
            return ExitCodes.Cancelled;
        }
    }
}
