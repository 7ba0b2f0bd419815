using Embedded.Watchdog;

// embedded-watchdog --owner <pid>:<start time> [--log <file>]
// Reads commands from stdin, whose write end only the owner holds; EOF means the owner is gone.
return await WatchdogProgram.RunAsync(args, Console.OpenStandardInput()).ConfigureAwait(false);
