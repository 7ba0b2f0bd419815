using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Embedded.Simulator;

/// <summary>
/// CPU time of the calling thread (getrusage RUSAGE_THREAD on Linux): on a shared machine, wall
/// time includes waiting for a core; CPU time is what the work itself cost.
/// </summary>
internal static partial class ThreadCpu
{
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicros, SystemSeconds, SystemMicros;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRUsage(int who, out RUsage usage);

    private static readonly bool Available = OperatingSystem.IsLinux();

    /// <summary>Milliseconds of CPU this thread has used; falls back to the process's on other systems.</summary>
    public static double NowMs()
    {
        if (Available && GetRUsage(1, out var u) == 0)
            return (u.UserSeconds + u.SystemSeconds) * 1000.0 + (u.UserMicros + u.SystemMicros) / 1000.0;
        return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    }

    public const int RusageSelf = 0;
    public const int RusageChildren = -1;

    /// <summary>User and system CPU of this process (RUSAGE_SELF) or of its reaped children (RUSAGE_CHILDREN); zero off Linux.</summary>
    public static (TimeSpan User, TimeSpan System) Usage(int who)
    {
        if (!Available || GetRUsage(who, out var u) != 0) return (TimeSpan.Zero, TimeSpan.Zero);
        return (TimeSpan.FromMicroseconds(u.UserSeconds * 1_000_000.0 + u.UserMicros), TimeSpan.FromMicroseconds(u.SystemSeconds * 1_000_000.0 + u.SystemMicros));
    }
}
