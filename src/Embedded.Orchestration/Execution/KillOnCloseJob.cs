using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// Windows only, verified on paper only: one Job Object per process with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE.
/// Its handle is never closed, so the OS closes it when this process dies in any way and ends every
/// task process in it, watchdog or not. Tasks of checkpointing frameworks stay out of it (they must
/// outlive the process for the recovery timeout; the watchdog ends them past it). A task's children
/// started before it was assigned escape the job; the watchdog's tree kill covers them.
/// </summary>
internal static partial class KillOnCloseJob
{
    private const int JobObjectExtendedLimitInformation = 9;
    private const uint JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000;

    private static readonly Lazy<nint> Job = new(Create);

    /// <summary>Puts the process in the job; false (and the watchdog alone covers it) when that fails.</summary>
    public static bool TryAssign(Process process)
    {
        if (!OperatingSystem.IsWindows() || Job.Value == 0) return false;
        try
        {
            return AssignProcessToJobObject(Job.Value, process.Handle);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            return false;
        }
    }

    private static unsafe nint Create()
    {
        var job = CreateJobObjectW(0, null);
        if (job == 0) return 0;
        var info = new ExtendedLimitInformation { BasicLimitInformation = new BasicLimitInformation { LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE } };
        return SetInformationJobObject(job, JobObjectExtendedLimitInformation, &info, (uint)sizeof(ExtendedLimitInformation)) ? job : 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct BasicLimitInformation
    {
        public long PerProcessUserTimeLimit;
        public long PerJobUserTimeLimit;
        public uint LimitFlags;
        public nuint MinimumWorkingSetSize;
        public nuint MaximumWorkingSetSize;
        public uint ActiveProcessLimit;
        public nuint Affinity;
        public uint PriorityClass;
        public uint SchedulingClass;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoCounters
    {
        public ulong ReadOperationCount, WriteOperationCount, OtherOperationCount, ReadTransferCount, WriteTransferCount, OtherTransferCount;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ExtendedLimitInformation
    {
        public BasicLimitInformation BasicLimitInformation;
        public IoCounters IoInfo;
        public nuint ProcessMemoryLimit;
        public nuint JobMemoryLimit;
        public nuint PeakProcessMemoryUsed;
        public nuint PeakJobMemoryUsed;
    }

    [LibraryImport("kernel32", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    private static partial nint CreateJobObjectW(nint attributes, string? name);

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool SetInformationJobObject(nint job, int infoClass, void* info, uint length);

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool AssignProcessToJobObject(nint job, nint process);
}
