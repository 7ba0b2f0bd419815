using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Embedded.Orchestration.Execution;

namespace Embedded.Watchdog;

/// <summary>What the watchdog asks of the OS about processes: is one still the same, kill it, which ones run a task of a work directory.</summary>
internal abstract class ProcessTable
{
    public static ProcessTable ForThisPlatform() => OperatingSystem.IsWindows() ? new WindowsProcessTable() : new ProcFsProcessTable();

    /// <summary>The start time of a running process (not a zombie), or null when there is none.</summary>
    public abstract long? StartTimeOf(int pid);

    public bool IsAlive(OwnerIdentity process) => StartTimeOf(process.Pid) == process.StartTime;

    /// <summary>Kills the process and its process group (Unix) or process tree (Windows), at once.</summary>
    public abstract void Kill(int pid);

    /// <summary>
    /// Processes whose environment places them in a sandbox under <paramref name="workDirectory"/>
    /// (EMBEDDED_SANDBOX), with the framework and task they belong to: this finds a task that left
    /// its process group, or whose pid file a crash kept from being written.
    /// </summary>
    public abstract IEnumerable<(int Pid, string? Framework, string? Task)> TasksUnder(string workDirectory);
}

/// <summary>Linux: /proc and kill(2).</summary>
internal sealed partial class ProcFsProcessTable : ProcessTable
{
    private const int SIGKILL = 9;

    public override long? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var rest = stat[(stat.LastIndexOf(')') + 2)..];
            if (rest.Length == 0 || rest[0] is 'Z' or 'X') return null;
            var fields = rest.Split(' ');
            return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    public override void Kill(int pid)
    {
        _ = KillNative(-pid, SIGKILL);
        _ = KillNative(pid, SIGKILL);
    }

    public override IEnumerable<(int Pid, string? Framework, string? Task)> TasksUnder(string workDirectory)
    {
        var prefix = "EMBEDDED_SANDBOX=" + Path.TrimEndingDirectorySeparator(workDirectory) + "/";
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self) continue;
            byte[] environ;
            try
            {
                environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // Gone, or not ours to read.
            }
            string? sandbox = null, framework = null, task = null;
            foreach (var entry in Encoding.UTF8.GetString(environ).Split('\0'))
            {
                if (entry.StartsWith(prefix, StringComparison.Ordinal)) sandbox = entry;
                else if (entry.StartsWith("EMBEDDED_FRAMEWORK_ID=", StringComparison.Ordinal)) framework = entry["EMBEDDED_FRAMEWORK_ID=".Length..];
                else if (entry.StartsWith("EMBEDDED_TASK_ID=", StringComparison.Ordinal)) task = entry["EMBEDDED_TASK_ID=".Length..];
            }
            if (sandbox is not null) yield return (pid, framework, task);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);
}

/// <summary>
/// Windows (verified on paper only): start times from the process object, kills of the whole tree.
/// The agent puts each task in a Job Object of its own, and those of non-checkpointing frameworks
/// under a kill-on-close job of the owner, which the OS ends with the owner even if this watchdog
/// were gone. A checkpointed task's job has no handle left once its owner died, so it cannot be
/// opened here: this kills the task's tree by parent pid from its pid file, which misses a
/// descendant whose parent already exited.
/// </summary>
internal sealed class WindowsProcessTable : ProcessTable
{
    public override long? StartTimeOf(int pid) => WindowsStartTime.Of(pid);

    public override void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Gone already.
        }
    }

    // Another process's environment is not readable through .NET on Windows; pid files and the job object cover it.
    public override IEnumerable<(int Pid, string? Framework, string? Task)> TasksUnder(string workDirectory) => [];
}
