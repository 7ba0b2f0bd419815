using Embedded.Orchestration.Lease;

namespace Embedded.Cli.Commands;

internal static class SelfWatchdog
{
    /// <summary>
    /// A single-file build has no Embedded.Watchdog.dll beside it (nor a dotnet host) to start the watchdog
    /// with: it starts itself as `embedded watchdog` instead (see Program.cs).
    /// </summary>
    public static void UseWhenSingleFile()
    {
        if (WatchdogCommand.Override is not null) return;
        var dll = Path.Combine(AppContext.BaseDirectory, "Embedded.Watchdog.dll");
        if (!File.Exists(dll) && Environment.ProcessPath is { } self) WatchdogCommand.Override = new WatchdogCommand(self, ["watchdog"]);
    }
}
