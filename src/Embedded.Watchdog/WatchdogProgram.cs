using System.Runtime.InteropServices;

namespace Embedded.Watchdog;

/// <summary>
/// The watchdog's entry point, callable from any Main (this project's, or a future single-file
/// <c>embedded watchdog</c> command): parses the arguments, leaves the owner's session and runs.
/// </summary>
public static partial class WatchdogProgram
{
    public static async Task<int> RunAsync(string[] args, Stream input)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!OwnerIdentity.TryParseArguments(args, out var owner, out var logFile, out var error))
        {
            await Console.Error.WriteLineAsync($"embedded-watchdog: {error}; usage: --owner <pid>:<start time> [--log <file>]").ConfigureAwait(false);
            return 2;
        }

        // A Ctrl-C in the owner's terminal signals its whole process group and a closing terminal
        // hangs up its session: neither may take the watchdog along, or nothing would clean up.
        if (!OperatingSystem.IsWindows()) _ = SetSid();
        using var ignoreInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using var ignoreHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true);

        using var journal = Journal.Open(logFile ?? Environment.GetEnvironmentVariable("EMBEDDED_WATCHDOG_LOG"));
        var processes = ProcessTable.ForThisPlatform();
        var watchdog = new Watchdog(owner, new Reaper(owner, processes, journal), processes, TimeProvider.System, journal);
        using var reader = new StreamReader(input);
        await watchdog.RunAsync(reader, CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int SetSid();
}
