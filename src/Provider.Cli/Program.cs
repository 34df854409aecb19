using Provider.Cli;

return await CliApp.RunAsync(args, CliConsole.System());
