using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// Runs a task's <see cref="CommandSpec"/> as an OS process, like Mesos's command executor: a shell
/// line through <c>/bin/sh -c</c> or a program with its argv, in the task's sandbox. On Unix the task
/// starts in a session of its own (on Linux the wrapper below is spawned as a session leader with
/// posix_spawn, see <see cref="SessionSpawn"/>; elsewhere through <c>setsid</c> where it exists), so
/// that a kill reaches every process it started, under a small shell that sends its output straight
/// to the sandbox files and writes its exit status there: nothing ties the task to the agent's
/// process, so an agent that restarts finds it again by its pid file and reattaches, or reads how it ended. On Windows (on paper only, see
/// docs/windows.md) the task runs under <c>cmd.exe</c> in a Job Object of its own, and a kill is immediate.
/// </summary>
internal sealed partial class ProcessExecutor(TimeProvider time, ILogger<ProcessExecutor> logger) : ITaskExecutor, IRecoverableExecutor, IExecutorLifecycle
{
    // "{pid} {start time}" of the task's process group leader, so a restarted agent finds exactly it again.
    private const string PidFileName = Agent.WorkDirectoryLayout.PidFileName;

    // The exit status the wrapper shell writes when the task ends; how a restarted agent learns it.
    private const string ExitFileName = ".embedded-exit";

    // Runs the task with its output appended to the sandbox files, then records its exit status.
    // $0 is the sandbox; "$@" is the task's program and arguments. The task starts before the TERM
    // trap, so a kill arriving at any moment reaches it (the group gets it) rather than only the
    // wrapper; the trap then keeps the wrapper waiting until the task itself ends. The wrapper's own
    // streams are the agent's console until the first exec; it points them at /dev/null, so that
    // nothing it says (dash's "Terminated" for a killed task) reaches the host's console, and so
    // that it never writes to a terminal or pipe that dies with the agent. The exit status is written
    // in place by the shell's own echo (one write of a few bytes), not through a temporary file and
    // mv: an mv is one more program to start per task, and nobody reads the file before the wrapper
    // has ended (recovery reads it only once the wrapper's pid is gone or a zombie), so a reader
    // never sees it half written; a wrapper SIGKILLed between the open and the write leaves it empty,
    // which reads as "exit status unknown", as no file would.
    private const string Wrapper =
        "exec </dev/null >/dev/null 2>&1; " +
        "\"$@\" >>\"$0/stdout\" 2>>\"$0/stderr\" </dev/null & c=$!; trap : TERM; " +
        "while :; do wait $c; s=$?; kill -0 $c 2>/dev/null || break; done; " +
        "echo $s >\"$0/" + ExitFileName + "\"; exit $s";

    // setsid(1) makes the task a session and process-group leader. It is absent on macOS; there we
    // fall back to killing the process tree that .NET can see.
    private static readonly Lazy<string?> Setsid = new(() =>
        OperatingSystem.IsWindows() ? null : FindOnPath("setsid", Environment.GetEnvironmentVariable("PATH")));

    // Pids that recovery reattached, which the orphan sweep at start must spare.
    private readonly HashSet<int> _recovered = [];

    /// <summary>Where the agent's sandboxes live; at start, processes left there that no checkpoint claims are killed.</summary>
    public string? Sandboxes { get; init; }

    public string Name => "process";

    public TaskKind Kind => TaskKind.Command;

    public async ValueTask<IRunningTask> LaunchAsync(TaskLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        cancellationToken.ThrowIfCancellationRequested();

        // The agent calls this on its loop; the sandbox files and the start (the calling thread waits
        // while the child execs) happen on the thread pool, so the loop goes on with other tasks' updates.
        await Task.Yield();

        var task = launch.Task;
        var command = task.Command
            ?? throw new TaskLaunchException(TaskReason.TaskInvalid, $"task '{task.TaskId}' has no command to run");

        var sandbox = Sandbox.Create(launch.SandboxDirectory);
        var workingDirectory = ResolveWorkingDirectory(command.WorkingDirectory, sandbox);
        var startInfo = new ProcessStartInfo { UseShellExecute = false, WorkingDirectory = workingDirectory };

        // The agent's environment, then the task's, then ours: ours describe where the task runs,
        // so the task cannot override them by accident.
        foreach (var (name, value) in command.Environment) startInfo.Environment[name] = value;
        startInfo.Environment["EMBEDDED_TASK_ID"] = task.TaskId;
        startInfo.Environment["EMBEDDED_AGENT_ID"] = launch.AgentId;
        startInfo.Environment["EMBEDDED_FRAMEWORK_ID"] = launch.FrameworkId;
        startInfo.Environment["EMBEDDED_SANDBOX"] = sandbox;

        var (program, arguments) = OperatingSystem.IsWindows()
            ? (command.Value, command.Arguments)
            : ResolveCommand(command, startInfo.Environment.TryGetValue("PATH", out var path) ? path : null, workingDirectory);
        File.WriteAllText(Path.Combine(sandbox, Sandbox.StdoutFileName), "");
        File.WriteAllText(Path.Combine(sandbox, Sandbox.StderrFileName), "");
        File.Delete(Path.Combine(sandbox, ExitFileName));
        var setsid = Setsid.Value;
        if (OperatingSystem.IsWindows())
        {
            // cmd (from System32, not whichever cmd.exe the working directory holds) finds the program
            // and appends the output to the sandbox files. Its own process group, as setsid gives on
            // Unix: a Ctrl+C typed at the agent's console does not reach the task.
            startInfo.FileName = Path.Combine(Environment.SystemDirectory, "cmd.exe");
            startInfo.Arguments = WindowsCommandLine.For(command, sandbox);
            startInfo.CreateNewProcessGroup = true;
        }
        else if (SessionSpawn.IsSupported)
        {
            // Linux: the wrapper itself starts as the leader of a new session (no setsid program in
            // between), so its group exists before it runs and there is no handshake to wait for.
            int pid;
            Task<int?> exited;
            try
            {
                (pid, exited) = SessionSpawn.Start("/bin/sh", ["/bin/sh", "-c", Wrapper, sandbox, program, .. arguments], startInfo.Environment, workingDirectory);
            }
            catch (Win32Exception ex)
            {
                throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"cannot start '{program}': {ex.Message}", ex);
            }
            Log.Launched(logger, task.TaskId, pid, program);
            WritePidFile(sandbox, pid);
            return new RunningProcess(pid, task.TaskId, sandbox, ExitCodeOrRecordedAsync(exited, sandbox), signalGroup: true, job: null, time, logger);
        }
        else
        {
            startInfo.FileName = setsid ?? "/bin/sh";
            if (setsid is not null) startInfo.ArgumentList.Add("/bin/sh");
            foreach (var argument in (string[])["-c", Wrapper, sandbox, program, .. arguments]) startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
        {
            process.Dispose();
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"cannot start '{program}': {ex.Message}", ex);
        }

        var job = OperatingSystem.IsWindows() ? JoinJobs(process, launch.Checkpointed, task.TaskId) : null;
        Log.Launched(logger, task.TaskId, process.Id, program);
        WritePidFile(sandbox, process.Id);
        var running = new RunningProcess(process.Id, task.TaskId, sandbox, WaitForChildAsync(process), setsid is not null, job, time, logger);
        try
        {
            await running.EstablishProcessGroupAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await running.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return running;
    }

    /// <summary>
    /// Windows: puts the task, just started, in a Job Object of its own, which a kill terminates as a
    /// whole. Process.Start cannot start it suspended, so cmd runs for a moment outside the job: a
    /// child it started in that moment would escape the job. cmd needs milliseconds to start
    /// anything and this takes microseconds, and the kill also ends the process tree by parent pid
    /// first, which reaches such a child while cmd lives. A non-checkpointed task joins the host's
    /// kill-on-close job first, so its own job nests under that one and the host's death ends it;
    /// a checkpointed one stays out of it, to outlive the host until the watchdog ends it. Processes
    /// a service starts on the task's behalf (Task Scheduler, WMI, COM servers) are in neither.
    /// </summary>
    private WindowsJob? JoinJobs(Process process, bool checkpointed, string taskId)
    {
        if (!checkpointed && !KillOnCloseJob.TryAssign(process)) Log.JobRefused(logger, taskId, process.Id, "the host's kill-on-close job");
        var job = WindowsJob.TryCreate(killOnClose: false);
        if (job is not null && job.TryAssign(process)) return job;
        job?.Dispose();
        Log.JobRefused(logger, taskId, process.Id, "a job of its own");
        return null;
    }

    /// <summary>
    /// After an agent restart: reattaches to the task's process if it still runs (or kills it, when
    /// not reconnecting), or reports how it ended from the exit status its wrapper wrote.
    /// </summary>
    public ValueTask<RecoveredRun> RecoverAsync(TaskLaunch launch, bool reconnect, CancellationToken cancellationToken)
    {
        var sandbox = launch.SandboxDirectory;
        var pidFile = Path.Combine(sandbox, PidFileName);
        if (!File.Exists(pidFile) || !TryParsePidFile(File.ReadAllText(pidFile), out var pid, out var startTime))
            return Ended(new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated, "the agent restarted and found no record of the task's process"));

        if (StartTimeOf(pid) == startTime)
        {
            if (!reconnect)
            {
                KillNow(pid);
                Log.RecoveredAndKilled(logger, launch.Task.TaskId, pid);
                return Ended(new TaskExit(TaskState.Failed, TaskReason.AgentRestarted,
                    $"the agent restarted and cleans up: process {pid} was killed", Output: ReadOutput(sandbox)));
            }
            _recovered.Add(pid);
            Log.Reattached(logger, launch.Task.TaskId, pid);
            // On Windows the job the earlier agent made cannot be opened any more: a kill ends the tree by parent pid.
            var running = new RunningProcess(pid, launch.Task.TaskId, sandbox, WaitForStrangerAsync(pid, startTime, sandbox), signalGroup: true, job: null, time, logger);
            return ValueTask.FromResult(new RecoveredRun(running, null));
        }

        var exit = ReadExitFile(sandbox) is { } code
            ? Classify(code, killed: false, ReadOutput(sandbox)) with { Message = $"{Describe(code)} (while the agent was away)" }
            : new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated, $"process {pid} ended while the agent was away; its exit status is unknown", Output: ReadOutput(sandbox));
        return Ended(exit);

        static ValueTask<RecoveredRun> Ended(TaskExit exit) => ValueTask.FromResult(new RecoveredRun(null, exit));
    }

    /// <summary>Kills every process a crashed predecessor left in this work directory's sandboxes that recovery did not claim.</summary>
    public ValueTask<ExecutorFacts> StartAsync(string agentId, CancellationToken cancellationToken)
    {
        var sandboxes = Sandboxes;
        if (sandboxes is not null && Directory.Exists(sandboxes))
            foreach (var pidFile in Directory.EnumerateFiles(sandboxes, PidFileName, SearchOption.AllDirectories))
            {
                if (!TryParsePidFile(File.ReadAllText(pidFile), out var pid, out var startTime) || _recovered.Contains(pid) || StartTimeOf(pid) != startTime) continue;
                KillNow(pid);
                Log.OrphanKilled(logger, pid, pidFile);
            }
        return ValueTask.FromResult(new ExecutorFacts(new Dictionary<string, string>()));
    }

    public ValueTask StopAsync(bool leaveTasksRunning, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Our own child: .NET reaps it and knows its exit code.</summary>
    private static async Task<int?> WaitForChildAsync(Process process)
    {
        using (process)
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return process.ExitCode;
        }
    }

    /// <summary>
    /// A wrapper started by <see cref="SessionSpawn"/>: its exit code as reaped, or, when the runtime
    /// reaped it first (it reaps every child as pid 1), the status the wrapper wrote to the sandbox.
    /// </summary>
    private static async Task<int?> ExitCodeOrRecordedAsync(Task<int?> exited, string sandbox) =>
        await exited.ConfigureAwait(false) ?? ReadExitFile(sandbox);

    /// <summary>
    /// A process an earlier agent started: not our child, so nothing signals its exit to us. It is
    /// polled on the real clock (an observation of another process, not a timeout of ours), and its
    /// exit status comes from the file its wrapper writes.
    /// </summary>
    private static async Task<int?> WaitForStrangerAsync(int pid, long startTime, string sandbox)
    {
        while (StartTimeOf(pid) == startTime && !IsZombie(pid)) await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
        return ReadExitFile(sandbox);
    }

    private static TaskOutput ReadOutput(string sandbox) =>
        new(Sandbox.ReadTail(sandbox, Sandbox.StdoutFileName), Sandbox.ReadTail(sandbox, Sandbox.StderrFileName));

    private static int? ReadExitFile(string sandbox)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(sandbox, ExitFileName)).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>At once: the process group (Unix) or the process tree by parent pid (Windows).</summary>
    private static void KillNow(int pid)
    {
        if (OperatingSystem.IsWindows())
        {
            KillTree(pid);
            return;
        }
        _ = Posix.Kill(-pid, Posix.SIGKILL);
        _ = Posix.Kill(pid, Posix.SIGKILL);
    }

    private static void KillTree(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // It exited meanwhile, or it is not ours to kill.
        }
    }

    /// <summary>
    /// Windows has no graceful stop for a process task (see docs/windows.md), so there a kill with a
    /// grace period is immediate all the same; the status says so rather than let it pass unseen.
    /// </summary>
    internal static string KilledMessage(TimeSpan gracePeriod, bool graceHonoured) =>
        graceHonoured || gracePeriod == TimeSpan.Zero
            ? "killed"
            : $"killed at once: Windows has no graceful stop for a process task, so the {(gracePeriod == Timeout.InfiniteTimeSpan ? "unlimited" : FormatGrace(gracePeriod))} grace period was not honoured";

    private static string FormatGrace(TimeSpan grace) =>
        grace.TotalSeconds >= 1 ? $"{grace.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s" : $"{grace.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms";

    private static void WritePidFile(string sandbox, int pid)
    {
        // A process that already ended has no start time to read; 0 matches no live process.
        var start = StartTimeOf(pid) ?? 0;
        try
        {
            File.WriteAllText(Path.Combine(sandbox, PidFileName), $"{pid} {start}");
        }
        catch (IOException)
        {
            // Without it a restarted agent reports the task as ended with an unknown status.
        }
    }

    private static bool TryParsePidFile(string text, out int pid, out long startTime)
    {
        pid = 0;
        startTime = 0;
        var parts = text.Split(' ');
        return parts.Length == 2 && int.TryParse(parts[0], out pid) && long.TryParse(parts[1], out startTime);
    }

    /// <summary>The process's start time in clock ticks since boot (/proc/pid/stat field 22), which a reused pid will not share.</summary>
    private static long? StartTimeOf(int pid)
    {
        // Windows (on paper only): the start time in UTC ticks, read as the watchdog reads it.
        if (OperatingSystem.IsWindows()) return WindowsStartTime.Of(pid);
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.TryParse(fields[19], out var start) ? start : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>A process that ended but that nobody reaped yet: it no longer runs.</summary>
    private static bool IsZombie(int pid)
    {
        if (OperatingSystem.IsWindows()) return StartTimeOf(pid) is null;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] == 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return true;
        }
    }

    private static string ResolveWorkingDirectory(string? workingDirectory, string sandbox)
    {
        if (string.IsNullOrEmpty(workingDirectory)) return sandbox;

        // Relative paths are inside the sandbox; absolute ones stay as they are.
        var full = Path.GetFullPath(workingDirectory, sandbox);
        return Directory.Exists(full)
            ? full
            : throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"working directory '{full}' does not exist");
    }

    private static (string Program, IReadOnlyList<string> Arguments) ResolveCommand(CommandSpec command, string? path, string workingDirectory)
    {
        if (command.Shell)
            return OperatingSystem.IsWindows() ? ("cmd.exe", ["/c", command.Value]) : ("/bin/sh", ["-c", command.Value]);

        if (string.IsNullOrWhiteSpace(command.Value))
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, "the command names no program to run");

        // Windows resolves programs with PATHEXT and the registry; let Process.Start do it there.
        if (OperatingSystem.IsWindows()) return (command.Value, command.Arguments);

        // Resolve here rather than in the child, so that a missing program is a launch failure with a
        // clear message instead of a task that fails with exit code 127.
        if (command.Value.Contains('/'))
        {
            var full = Path.GetFullPath(command.Value, workingDirectory);
            return IsExecutable(full)
                ? (full, command.Arguments)
                : throw new TaskLaunchException(
                    TaskReason.ContainerLaunchFailed, $"program '{command.Value}' does not exist or is not executable ('{full}')");
        }

        return FindOnPath(command.Value, path) is { } found
            ? (found, command.Arguments)
            : throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"program '{command.Value}' was not found on PATH");
    }

    private static string? FindOnPath(string program, string? path)
    {
        foreach (var directory in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (Path.IsPathRooted(candidate) && IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsExecutable(string file)
    {
        if (!File.Exists(file)) return false;
        if (OperatingSystem.IsWindows()) return true;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(file) & anyExecute) != 0;
    }

    private static TaskExit Classify(int exitCode, bool killed, TaskOutput output)
    {
        if (killed) return new TaskExit(TaskState.Killed, TaskReason.None, "killed", exitCode, output);
        if (exitCode == 0) return new TaskExit(TaskState.Finished, TaskReason.None, "exited with code 0", 0, output);
        return new TaskExit(TaskState.Failed, TaskReason.None, Describe(exitCode), exitCode, output);
    }

    // A process that a signal ended reports 128 + the signal, as shells do.
    private static string Describe(int exitCode) => exitCode switch
    {
        0 => "exited with code 0",
        < 0 => $"terminated abnormally (exit code {exitCode})",
        > 128 and <= 128 + 64 when !OperatingSystem.IsWindows() => $"terminated by signal {SignalName(exitCode - 128)} (exit code {exitCode})",
        _ => $"exited with code {exitCode}",
    };

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => $"{signal}",
    };

    /// <summary>One task's process: its supervision and its kill, whether we started it or found it again.</summary>
    private sealed class RunningProcess : IRunningTask
    {
        // How many times launch checks (about a millisecond apart) that setsid made the task a group leader.
        private const int GroupHandshakeAttempts = 5000;

        private readonly int _pid;
        private readonly string _taskId;
        private readonly string _sandbox;
        private readonly TimeProvider _time;
        private readonly ILogger _logger;
        private readonly Task<int?> _exited;
        private readonly WindowsJob? _job;
        private bool _signalGroup;
        private volatile bool _killRequested;
        private volatile string _killedMessage = KilledMessage(TimeSpan.Zero, graceHonoured: true);
        private int _disposed;

        public RunningProcess(int pid, string taskId, string sandbox, Task<int?> exited, bool signalGroup, WindowsJob? job, TimeProvider time, ILogger logger)
        {
            _pid = pid;
            _taskId = taskId;
            _sandbox = sandbox;
            _exited = exited;
            _signalGroup = signalGroup;
            _job = job;
            _time = time;
            _logger = logger;
            Completion = SuperviseAsync();
        }

        public Task<TaskExit> Completion { get; }

        public ValueTask<TaskOutput> ReadOutputAsync(CancellationToken cancellationToken) => ValueTask.FromResult(ReadOutput(_sandbox));

        /// <summary>
        /// Waits until setsid has made the task the leader of its own process group, so that group
        /// signals reach it. setsid does not fork here (a child of .NET is never a group leader), so the
        /// group id is the pid; this only verifies it. Polls real time: it is a start-up handshake that
        /// takes a millisecond or two, not a timeout that tests should drive.
        /// </summary>
        public async Task EstablishProcessGroupAsync(CancellationToken cancellationToken)
        {
            if (!_signalGroup || OperatingSystem.IsWindows()) return;
            for (var attempt = 0; attempt < GroupHandshakeAttempts; attempt++)
            {
                if (_exited.IsCompleted) return;
                var group = Posix.GetProcessGroup(_pid);
                if (group == _pid || (group == -1 && Marshal.GetLastPInvokeError() == Posix.ESRCH)) return;
                await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
            }
            Log.ProcessGroupUnverified(_logger, _taskId, _pid);
            _signalGroup = false;
        }

        public async ValueTask KillAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
        {
            if (_exited.IsCompleted) return;
            var graceful = gracePeriod > TimeSpan.Zero || gracePeriod == Timeout.InfiniteTimeSpan;

            // Windows has no SIGTERM for arbitrary processes; there a kill is immediate, and says so.
            if (OperatingSystem.IsWindows()) _killedMessage = KilledMessage(gracePeriod, graceHonoured: false);
            _killRequested = true;
            if (graceful && !OperatingSystem.IsWindows())
            {
                SendSignal(Posix.SIGTERM);
                try
                {
                    await _exited.WaitAsync(gracePeriod, _time, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (TimeoutException)
                {
                    Log.KillEscalated(_logger, _taskId, _pid, gracePeriod);
                }
            }
            ForceKill();
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (!_exited.IsCompleted)
            {
                _killRequested = true;
                ForceKill();
            }
            await Completion.ConfigureAwait(false);
        }

        private async Task<TaskExit> SuperviseAsync()
        {
            try
            {
                var exitCode = await _exited.ConfigureAwait(false);
                Log.Exited(_logger, _taskId, _pid, exitCode ?? -1);

                // As Mesos destroys a task's container when the task ends: nothing it left running in
                // its group (its job, on Windows) survives it.
                if (_signalGroup && !OperatingSystem.IsWindows()) _ = Posix.Kill(-_pid, Posix.SIGKILL);
                if (_job is not null)
                {
                    _ = _job.Terminate();
                    _job.Dispose();
                }

                var output = ReadOutput(_sandbox);
                var exit = exitCode is { } code
                    ? Classify(code, _killRequested, output)
                    : new TaskExit(_killRequested ? TaskState.Killed : TaskState.Failed, _killRequested ? TaskReason.None : TaskReason.ExecutorTerminated,
                        _killRequested ? "killed" : $"process {_pid} ended without leaving its exit status", Output: output);
                return exit.State == TaskState.Killed ? exit with { Message = _killedMessage } : exit;
            }
            catch (Exception ex)
            {
                Log.SupervisionFailed(_logger, _taskId, ex);
                return new TaskExit(TaskState.Failed, TaskReason.CommandExecutorFailed, $"supervising the process failed: {ex.Message}", Output: ReadOutput(_sandbox));
            }
        }

        private void SendSignal(int signal)
        {
            if (_exited.IsCompleted || OperatingSystem.IsWindows()) return;
            if (_signalGroup)
            {
                if (Posix.Kill(-_pid, signal) == 0) return;

                // ESRCH: setsid has not made the group yet, or everyone in it is gone. Signal the
                // process itself; whatever it forks later is caught by the group kill at exit.
                var error = Marshal.GetLastPInvokeError();
                if (error != Posix.ESRCH) Log.SignalFailed(_logger, _taskId, -_pid, signal, error);
            }
            if (Posix.Kill(_pid, signal) != 0 && Marshal.GetLastPInvokeError() is var error2 and not Posix.ESRCH)
                Log.SignalFailed(_logger, _taskId, _pid, signal, error2);
        }

        private void ForceKill()
        {
            if (_signalGroup && !OperatingSystem.IsWindows())
            {
                SendSignal(Posix.SIGKILL);
                return;
            }

            // The tree by parent pid first, while its root lives: it reaches a child that started
            // before the task joined its job. Then the job, which holds everything else at once.
            KillTree(_pid);
            if (_job is not null && !_job.Terminate()) Log.JobTerminateFailed(_logger, _taskId, _pid, Marshal.GetLastPInvokeError());
        }
    }

    private static partial class Posix
    {
        public const int SIGKILL = 9;
        public const int SIGTERM = 15;
        public const int ESRCH = 3;

        [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static partial int Kill(int pid, int signal);

        [LibraryImport("libc", EntryPoint = "getpgid", SetLastError = true)]
        public static partial int GetProcessGroup(int pid);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId} started as process {Pid} ({Program})")]
        public static partial void Launched(ILogger logger, string taskId, int pid, string program);

        [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: reattached to process {Pid}, which ran on through the agent's restart")]
        public static partial void Reattached(ILogger logger, string taskId, int pid);

        [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: killed process {Pid}, left running by the agent before it restarted")]
        public static partial void RecoveredAndKilled(ILogger logger, string taskId, int pid);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Killed process {Pid}, an orphan a crashed agent left ({PidFile})")]
        public static partial void OrphanKilled(ILogger logger, int pid, string pidFile);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId}: process {Pid} exited with code {ExitCode}")]
        public static partial void Exited(ILogger logger, string taskId, int pid, int exitCode);

        [LoggerMessage(Level = LogLevel.Warning,
            Message = "Task {TaskId}: process {Pid} did not become a process-group leader; kills will target its process tree instead")]
        public static partial void ProcessGroupUnverified(ILogger logger, string taskId, int pid);

        [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: process {Pid} outlived its {GracePeriod} grace period; killing it")]
        public static partial void KillEscalated(ILogger logger, string taskId, int pid, TimeSpan gracePeriod);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: sending signal {Signal} to {Target} failed with errno {Errno}")]
        public static partial void SignalFailed(ILogger logger, string taskId, int target, int signal, int errno);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: process {Pid} could not join {Job}; a kill will end its process tree by parent pid instead")]
        public static partial void JobRefused(ILogger logger, string taskId, int pid, string job);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: terminating the job of process {Pid} failed with error {Error}")]
        public static partial void JobTerminateFailed(ILogger logger, string taskId, int pid, int error);

        [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId}: supervising the process failed")]
        public static partial void SupervisionFailed(ILogger logger, string taskId, Exception exception);
    }
}
