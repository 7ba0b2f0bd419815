using System.ComponentModel;
using System.Diagnostics;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// A process's start time on Windows, in UTC ticks: with the pid, what tells a task's process apart
/// from a later one that reuses its pid. The agent writes it to the pid file and the watchdog
/// compares it, so both compile this one file (Embedded.Watchdog links it).
/// </summary>
internal static class WindowsStartTime
{
    /// <summary>The start time of a running process, or null when there is none (or it is not ours to read).</summary>
    public static long? Of(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : process.StartTime.ToUniversalTime().Ticks;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            return null;
        }
    }
}
