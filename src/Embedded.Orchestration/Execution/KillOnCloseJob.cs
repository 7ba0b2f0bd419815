using System.Diagnostics;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// Windows only, verified on paper only: one kill-on-close Job Object per process. Its handle is never
/// closed, so the OS closes it when this process dies in any way and ends every task process in it,
/// and in the task jobs nested under it, watchdog or not. Tasks of checkpointing frameworks stay out
/// of it: they must outlive the process for the recovery timeout, and the watchdog ends them past it.
/// </summary>
internal static class KillOnCloseJob
{
    private static readonly Lazy<WindowsJob?> Job = new(() => WindowsJob.TryCreate(killOnClose: true));

    /// <summary>Puts the process in the job; false (and the watchdog alone covers it) when that fails.</summary>
    public static bool TryAssign(Process process) => OperatingSystem.IsWindows() && Job.Value is { } job && job.TryAssign(process);
}
