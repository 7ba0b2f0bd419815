using System.CommandLine;
using Embedded.Cli.Commands;

// `embedded watchdog --owner …` is how a single-file build starts its owner-lease watchdog (see
// DevCommand): dispatched before parsing, so the watchdog starts fast and keeps its own argument syntax.
if (args.Length > 0 && args[0] == "watchdog")
    return await Embedded.Watchdog.WatchdogProgram.RunAsync(args[1..], Console.OpenStandardInput()).ConfigureAwait(false);

var root = new RootCommand("Embedded: a Mesos-style cluster orchestrator in one process. Start one with `embedded dev`, then run jobs on it with `embedded run`.")
{
    DevCommand.Create(),
    MasterCommand.Create(),
    AgentCommand.Create(),
    RunCommand.Create(),
    StateCommand.Create(),
    JobsCommand.Create(),
    KillCommand.Create(),
};

// No forced exit after Ctrl-C or SIGTERM: `dev` stops its host and `run` tears down its framework before exiting.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
