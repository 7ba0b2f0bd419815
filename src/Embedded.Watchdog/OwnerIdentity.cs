using System.Globalization;

namespace Embedded.Watchdog;

/// <summary>
/// A process as a pid and its start time (Linux: clock ticks since boot from /proc/pid/stat;
/// Windows: its start time in UTC ticks), so that a reused pid is never taken for it.
/// </summary>
public readonly record struct OwnerIdentity(int Pid, long StartTime)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pid}:{StartTime}");

    public static bool TryParse(string? text, out OwnerIdentity identity)
    {
        identity = default;
        if (text is null) return false;
        var parts = text.Trim().Split(':', ' ');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)) return false;
        identity = new OwnerIdentity(pid, start);
        return true;
    }

    internal static bool TryParseArguments(string[] args, out OwnerIdentity owner, out string? logFile, out string error)
    {
        owner = default;
        logFile = null;
        error = "";
        var haveOwner = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "watchdog" when i == 0:
                    break; // As a subcommand of a single-file binary.
                case "--owner" when i + 1 < args.Length:
                    if (!TryParse(args[++i], out owner))
                    {
                        error = $"'{args[i]}' is not <pid>:<start time>";
                        return false;
                    }
                    haveOwner = true;
                    break;
                case "--log" when i + 1 < args.Length:
                    logFile = args[++i];
                    break;
                default:
                    error = $"unknown argument '{args[i]}'";
                    return false;
            }
        }
        if (!haveOwner) error = "--owner is required";
        return haveOwner;
    }
}
