using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// A Windows Job Object (verified on paper only): the Windows counterpart of a Unix process group.
/// Every process a member starts joins it too (no job here allows breakaway), so terminating the job
/// ends the task's whole tree at once, however deep, including children whose parent already exited.
/// Jobs nest on Windows 8 / Server 2012 and later: a process already in a job can join an empty one,
/// which then sits under the first, so a task's own job can sit inside the host's kill-on-close job.
/// </summary>
internal sealed partial class WindowsJob : IDisposable
{
    private const int JobObjectExtendedLimitInformation = 9;
    private const uint JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000;

    // What Process.Kill gives a process it kills, so that both kills leave the same exit code.
    private const uint KilledExitCode = uint.MaxValue;

    private readonly SafeJobHandle _handle;

    private WindowsJob(SafeJobHandle handle) => _handle = handle;

    /// <summary>
    /// A new, empty job; null when Windows refuses one (the caller falls back to killing the process
    /// tree). With <paramref name="killOnClose"/>, closing its last handle, which the OS does when
    /// this process dies in any way, ends every process in it and in the jobs nested under it.
    /// </summary>
    public static unsafe WindowsJob? TryCreate(bool killOnClose)
    {
        if (!OperatingSystem.IsWindows()) return null;
        var handle = CreateJobObjectW(0, null);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            return null;
        }
        if (killOnClose)
        {
            var info = new ExtendedLimitInformation { BasicLimitInformation = new BasicLimitInformation { LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE } };
            if (!SetInformationJobObject(handle, JobObjectExtendedLimitInformation, &info, (uint)sizeof(ExtendedLimitInformation)))
            {
                handle.Dispose();
                return null;
            }
        }
        return new WindowsJob(handle);
    }

    /// <summary>Puts a started process in the job; false when Windows refuses (before Windows 8, a process in a job cannot join another).</summary>
    public bool TryAssign(Process process)
    {
        if (!OperatingSystem.IsWindows()) return false;
        try
        {
            return AssignProcessToJobObject(_handle, process.SafeHandle);
        }
        catch (InvalidOperationException)
        {
            return false; // The process is gone, or was never started.
        }
    }

    /// <summary>Ends every process in the job and in the jobs nested under it, at once; true once closed (its task ended and it was terminated then).</summary>
    public bool Terminate()
    {
        if (!OperatingSystem.IsWindows()) return false;
        try
        {
            return TerminateJobObject(_handle, KilledExitCode);
        }
        catch (ObjectDisposedException)
        {
            return true; // A kill that raced the task's own end: the end terminated the job already.
        }
    }

    /// <summary>Closes our handle; without kill-on-close the processes in the job run on.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>JOBOBJECT_BASIC_LIMIT_INFORMATION (64 bytes on x64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BasicLimitInformation
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

    /// <summary>IO_COUNTERS (48 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoCounters
    {
        public ulong ReadOperationCount, WriteOperationCount, OtherOperationCount, ReadTransferCount, WriteTransferCount, OtherTransferCount;
    }

    /// <summary>JOBOBJECT_EXTENDED_LIMIT_INFORMATION (144 bytes on x64); SetInformationJobObject refuses any other length.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ExtendedLimitInformation
    {
        public BasicLimitInformation BasicLimitInformation;
        public IoCounters IoInfo;
        public nuint ProcessMemoryLimit;
        public nuint JobMemoryLimit;
        public nuint PeakProcessMemoryUsed;
        public nuint PeakJobMemoryUsed;
    }

    /// <summary>A job handle, closed with CloseHandle; CreateJobObject returns NULL on failure.</summary>
    internal sealed class SafeJobHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
    {
        protected override bool ReleaseHandle() => CloseHandle(handle);
    }

    [LibraryImport("kernel32", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    private static partial SafeJobHandle CreateJobObjectW(nint attributes, string? name);

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool SetInformationJobObject(SafeJobHandle job, int infoClass, void* info, uint length);

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool AssignProcessToJobObject(SafeJobHandle job, SafeProcessHandle process);

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool TerminateJobObject(SafeJobHandle job, uint exitCode);

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CloseHandle(nint handle);
}
