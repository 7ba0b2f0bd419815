using System.Runtime.InteropServices;
using Embedded.Orchestration.Execution;

namespace Embedded.Orchestration.Tests.Execution;

/// <summary>
/// What of the Windows Job Object code runs on Linux: the layout of the structure given to
/// SetInformationJobObject, which refuses a wrong length, and that off Windows nothing is created.
/// The job calls themselves run only on Windows (docs/windows.md lists them).
/// </summary>
public sealed class WindowsJobTests
{
    [Fact]
    public void The_extended_limit_structure_has_the_x64_size_and_layout_of_JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
    {
        Assert.Equal(8, IntPtr.Size); // The figures below are winnt.h's for 64-bit processes; win-x64 is what is published.

        Marshal.SizeOf<WindowsJob.BasicLimitInformation>().Should().Be(64);
        Marshal.SizeOf<WindowsJob.IoCounters>().Should().Be(48);
        Marshal.SizeOf<WindowsJob.ExtendedLimitInformation>().Should().Be(144);

        Offset<WindowsJob.BasicLimitInformation>(nameof(WindowsJob.BasicLimitInformation.LimitFlags)).Should().Be(16);
        Offset<WindowsJob.BasicLimitInformation>(nameof(WindowsJob.BasicLimitInformation.MinimumWorkingSetSize)).Should().Be(24);
        Offset<WindowsJob.BasicLimitInformation>(nameof(WindowsJob.BasicLimitInformation.ActiveProcessLimit)).Should().Be(40);
        Offset<WindowsJob.BasicLimitInformation>(nameof(WindowsJob.BasicLimitInformation.Affinity)).Should().Be(48);
        Offset<WindowsJob.BasicLimitInformation>(nameof(WindowsJob.BasicLimitInformation.SchedulingClass)).Should().Be(60);
        Offset<WindowsJob.ExtendedLimitInformation>(nameof(WindowsJob.ExtendedLimitInformation.IoInfo)).Should().Be(64);
        Offset<WindowsJob.ExtendedLimitInformation>(nameof(WindowsJob.ExtendedLimitInformation.ProcessMemoryLimit)).Should().Be(112);
        Offset<WindowsJob.ExtendedLimitInformation>(nameof(WindowsJob.ExtendedLimitInformation.PeakJobMemoryUsed)).Should().Be(136);
    }

    [Fact]
    public void Off_Windows_no_job_is_created_and_nothing_joins_the_hosts_kill_on_close_job()
    {
        Assert.False(OperatingSystem.IsWindows());
        using var process = System.Diagnostics.Process.GetCurrentProcess();

        WindowsJob.TryCreate(killOnClose: true).Should().BeNull();
        KillOnCloseJob.TryAssign(process).Should().BeFalse();
    }

    private static long Offset<T>(string field) => Marshal.OffsetOf<T>(field).ToInt64();
}
