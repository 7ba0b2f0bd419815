using System.Diagnostics;
using System.Globalization;

namespace Embedded.Orchestration.Lease;

/// <summary>
/// This process as the watchdog and a later agent see it: its pid and start time (Linux: clock ticks
/// since boot, /proc/self/stat field 22; elsewhere: its start time in UTC ticks), which a reused pid does not share.
/// </summary>
internal readonly record struct OwnerIdentityInfo(int Pid, long StartTime)
{
    public static OwnerIdentityInfo Current { get; } = Read();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pid}:{StartTime}");

    /// <summary>How meta/owner holds it.</summary>
    public string ToFileText() => string.Create(CultureInfo.InvariantCulture, $"{Pid} {StartTime}");

    private static OwnerIdentityInfo Read()
    {
        var pid = Environment.ProcessId;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var stat = File.ReadAllText("/proc/self/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) return new(pid, ticks);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
            {
                // The watchdog then relies on EOF alone.
            }
            return new(pid, 0);
        }
        using var self = Process.GetCurrentProcess();
        return new(pid, self.StartTime.ToUniversalTime().Ticks);
    }
}
