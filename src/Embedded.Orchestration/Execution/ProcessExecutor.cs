using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Execution;

/// <summary>
/// Runs a task's <see cref="CommandSpec"/> as an OS process, like Mesos's command executor: a shell
/// line through <c>/bin/sh -c</c> (<c>cmd /c</c> on Windows) or a program with its argv, in the
/// task's sandbox, with stdout and stderr streamed to files there. On Unix the task starts in a
/// session of its own (through <c>setsid</c>) so that a kill reaches every process it started.
/// </summary>
internal sealed partial class ProcessExecutor(TimeProvider time, ILogger<ProcessExecutor> logger) : ITaskExecutor, IRecoverableExecutor, IExecutorLifecycle
{
    /// <summary>The agent's work directory; at start, processes left in its sandboxes by a crashed agent are killed.</summary>
    public string? WorkDirectory { get; init; }

    // "{pid} {start time}" of the task's process, so a restarted agent can find exactly it again.
    private const string PidFileName = ".embedded-pid";


    // setsid(1) makes the task a session and process-group leader. It is absent on macOS; there we
    // fall back to killing the process tree that .NET can see.
    private static readonly Lazy<string?> Setsid = new(() =>
        OperatingSystem.IsWindows() ? null : FindOnPath("setsid", Environment.GetEnvironmentVariable("PATH")));

    public string Name => "process";

    public bool CanRun(TaskInfo task) => task.Command is not null;

    public async ValueTask<IRunningTask> LaunchAsync(TaskLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        cancellationToken.ThrowIfCancellationRequested();

        var task = launch.Task;
        var command = task.Command
            ?? throw new TaskLaunchException(TaskReason.TaskInvalid, $"task '{task.TaskId}' has no command to run");

        var sandbox = Sandbox.Create(launch.SandboxDirectory);
        var workingDirectory = ResolveWorkingDirectory(command.WorkingDirectory, sandbox);

        var startInfo = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };

        // The agent's environment, then the task's, then ours: ours describe where the task runs,
        // so the task cannot override them by accident.
        foreach (var (name, value) in command.Environment)
        {
            startInfo.Environment[name] = value;
        }

        startInfo.Environment["EMBEDDED_TASK_ID"] = task.TaskId;
        startInfo.Environment["EMBEDDED_AGENT_ID"] = launch.AgentId;
        startInfo.Environment["EMBEDDED_FRAMEWORK_ID"] = launch.FrameworkId;
        startInfo.Environment["EMBEDDED_SANDBOX"] = sandbox;

        var (program, arguments) = ResolveCommand(command, startInfo.Environment.TryGetValue("PATH", out var path) ? path : null, workingDirectory);
        var setsid = Setsid.Value;
        if (setsid is not null)
        {
            startInfo.FileName = setsid;
            startInfo.ArgumentList.Add(program);
        }
        else
        {
            startInfo.FileName = program;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var stdoutFile = Sandbox.OpenOutputFile(sandbox, Sandbox.StdoutFileName);
        FileStream stderrFile;
        try
        {
            stderrFile = Sandbox.OpenOutputFile(sandbox, Sandbox.StderrFileName);
        }
        catch
        {
            await stdoutFile.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
        {
            process.Dispose();
            await stdoutFile.DisposeAsync().ConfigureAwait(false);
            await stderrFile.DisposeAsync().ConfigureAwait(false);
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"cannot start '{program}': {ex.Message}", ex);
        }

        // Tasks read no input: closing stdin gives them end-of-file instead of the agent's terminal.
        process.StandardInput.Close();

        var running = new RunningProcess(process, task.TaskId, stdoutFile, stderrFile, setsid is not null, time, logger);
        Log.Launched(logger, task.TaskId, process.Id, program);
        WritePidFile(sandbox, process.Id);
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
    /// A process task cannot outlive the agent that ran it: its output pipes died with that agent.
    /// So recovery kills whatever is left of it (the whole group) and reports why.
    /// </summary>
    public ValueTask<RecoveredRun> RecoverAsync(TaskLaunch launch, bool reconnect, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(launch.SandboxDirectory, PidFileName);
        if (!File.Exists(pidFile) || !TryParsePidFile(File.ReadAllText(pidFile), out var pid, out var startTime))
            return ValueTask.FromResult(new RecoveredRun(null, new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated,
                "the agent restarted and found no record of the task's process")));
        if (StartTimeOf(pid) != startTime)
            return ValueTask.FromResult(new RecoveredRun(null, new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated,
                $"process {pid} ended while the agent was away; its exit status is unknown")));
        _ = Posix.Kill(-pid, Posix.SIGKILL);
        _ = Posix.Kill(pid, Posix.SIGKILL);
        Log.RecoveredAndKilled(logger, launch.Task.TaskId, pid);
        return ValueTask.FromResult(new RecoveredRun(null, new TaskExit(TaskState.Failed, TaskReason.AgentRestarted,
            $"the agent restarted; process {pid} cannot outlive the agent that ran it, so it was killed")));
    }

    /// <summary>Kills every process a crashed predecessor left in this work directory's sandboxes: nothing outlives its agent unseen.</summary>
    public ValueTask<ExecutorFacts> StartAsync(string agentId, CancellationToken cancellationToken)
    {
        var sandboxes = WorkDirectory is null ? null : Path.Combine(WorkDirectory, "frameworks");
        if (sandboxes is not null && Directory.Exists(sandboxes) && !OperatingSystem.IsWindows())
            foreach (var pidFile in Directory.EnumerateFiles(sandboxes, PidFileName, SearchOption.AllDirectories))
            {
                if (!TryParsePidFile(File.ReadAllText(pidFile), out var pid, out var startTime) || StartTimeOf(pid) != startTime) continue;
                _ = Posix.Kill(-pid, Posix.SIGKILL);
                _ = Posix.Kill(pid, Posix.SIGKILL);
                Log.OrphanKilled(logger, pid, pidFile);
            }
        return ValueTask.FromResult(new ExecutorFacts(new Dictionary<string, string>()));
    }

    public ValueTask StopAsync(bool leaveTasksRunning, CancellationToken cancellationToken) => ValueTask.CompletedTask;

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

    private static string ResolveWorkingDirectory(string? workingDirectory, string sandbox)
    {
        if (string.IsNullOrEmpty(workingDirectory))
        {
            return sandbox;
        }

        // Relative paths are inside the sandbox; absolute ones stay as they are.
        var full = Path.GetFullPath(workingDirectory, sandbox);
        return Directory.Exists(full)
            ? full
            : throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"working directory '{full}' does not exist");
    }

    private static (string Program, IReadOnlyList<string> Arguments) ResolveCommand(CommandSpec command, string? path, string workingDirectory)
    {
        if (command.Shell)
        {
            return OperatingSystem.IsWindows() ? ("cmd.exe", ["/c", command.Value]) : ("/bin/sh", ["-c", command.Value]);
        }

        if (string.IsNullOrWhiteSpace(command.Value))
        {
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, "the command names no program to run");
        }

        // Windows resolves programs with PATHEXT and the registry; let Process.Start do it there.
        if (OperatingSystem.IsWindows())
        {
            return (command.Value, command.Arguments);
        }

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
            if (Path.IsPathRooted(candidate) && IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutable(string file)
    {
        if (!File.Exists(file))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(file) & anyExecute) != 0;
    }

    /// <summary>One launched process: its output pumps, its supervision and its kill.</summary>
    private sealed class RunningProcess : IRunningTask
    {
        // How many times launch checks (about a millisecond apart) that setsid made the task a group leader.
        private const int GroupHandshakeAttempts = 5000;

        // A process that left the task's group (its own setsid) may hold the output pipes open forever.
        private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(5);

        private readonly Process _process;
        private readonly int _pid;
        private readonly string _taskId;
        private readonly TimeProvider _time;
        private readonly ILogger _logger;
        private readonly OutputTail _stdout = new();
        private readonly OutputTail _stderr = new();
        private readonly Task _pumps;
        private readonly Task _exited;
        private bool _signalGroup;
        private volatile bool _killRequested;
        private int _disposed;

        public RunningProcess(
            Process process, string taskId, FileStream stdoutFile, FileStream stderrFile, bool inOwnGroup, TimeProvider time, ILogger logger)
        {
            _process = process;
            _pid = process.Id;
            _taskId = taskId;
            _time = time;
            _logger = logger;
            _signalGroup = inOwnGroup;
            _pumps = Task.WhenAll(
                PumpAsync(process.StandardOutput.BaseStream, stdoutFile, _stdout, Sandbox.StdoutFileName),
                PumpAsync(process.StandardError.BaseStream, stderrFile, _stderr, Sandbox.StderrFileName));
            _exited = process.WaitForExitAsync(CancellationToken.None);
            Completion = SuperviseAsync();
        }

        public Task<TaskExit> Completion { get; }

        public ValueTask<TaskOutput> ReadOutputAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new TaskOutput(_stdout.ToString(), _stderr.ToString()));

        /// <summary>
        /// Waits until setsid has made the task the leader of its own process group, so that group
        /// signals reach it. setsid does not fork here (a child of .NET is never a group leader), so the
        /// group id is the pid; this only verifies it. Polls real time: it is a start-up handshake that
        /// takes a millisecond or two, not a timeout that tests should drive.
        /// </summary>
        public async Task EstablishProcessGroupAsync(CancellationToken cancellationToken)
        {
            if (!_signalGroup || OperatingSystem.IsWindows())
            {
                return;
            }

            for (var attempt = 0; attempt < GroupHandshakeAttempts; attempt++)
            {
                if (_exited.IsCompleted)
                {
                    return;
                }

                var group = Posix.GetProcessGroup(_pid);
                if (group == _pid || (group == -1 && Marshal.GetLastPInvokeError() == Posix.ESRCH))
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
            }

            Log.ProcessGroupUnverified(_logger, _taskId, _pid);
            _signalGroup = false;
        }

        public async ValueTask KillAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
        {
            if (_exited.IsCompleted)
            {
                return;
            }

            _killRequested = true;

            // Windows has no SIGTERM for arbitrary processes; there a kill is immediate.
            if ((gracePeriod > TimeSpan.Zero || gracePeriod == Timeout.InfiniteTimeSpan) && !OperatingSystem.IsWindows())
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
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            if (!_exited.IsCompleted)
            {
                _killRequested = true;
                ForceKill();
            }

            // Completion never faults; waiting for it lets the pumps close the output files.
            await Completion.ConfigureAwait(false);
            _process.Dispose();
        }

        private async Task<TaskExit> SuperviseAsync()
        {
            try
            {
                await _exited.ConfigureAwait(false);
                var exitCode = _process.ExitCode;
                Log.Exited(_logger, _taskId, _pid, exitCode);

                // As Mesos destroys a task's container when the task ends: nothing it left running in
                // its group survives it, and no orphan keeps the output pipes open.
                if (_signalGroup && !OperatingSystem.IsWindows())
                {
                    _ = Posix.Kill(-_pid, Posix.SIGKILL);
                }

                try
                {
                    await _pumps.WaitAsync(OutputDrainTimeout, _time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    Log.OutputDrainTimedOut(_logger, _taskId, OutputDrainTimeout);
                }

                return Classify(exitCode, _killRequested, Snapshot());
            }
            catch (Exception ex)
            {
                Log.SupervisionFailed(_logger, _taskId, ex);
                return new TaskExit(
                    TaskState.Failed, TaskReason.CommandExecutorFailed, $"supervising the process failed: {ex.Message}", Output: Snapshot());
            }
        }

        private static TaskExit Classify(int exitCode, bool killed, TaskOutput output)
        {
            if (killed)
            {
                return new TaskExit(TaskState.Killed, TaskReason.None, "killed", exitCode, output);
            }

            if (exitCode == 0)
            {
                return new TaskExit(TaskState.Finished, TaskReason.None, "exited with code 0", 0, output);
            }

            // .NET reports a process that a signal ended as 128 + the signal, as shells do.
            var message = exitCode switch
            {
                < 0 => $"terminated abnormally (exit code {exitCode})",
                > 128 and <= 128 + 64 when !OperatingSystem.IsWindows() =>
                    $"terminated by signal {SignalName(exitCode - 128)} (exit code {exitCode})",
                _ => $"exited with code {exitCode}",
            };
            return new TaskExit(TaskState.Failed, TaskReason.None, message, exitCode, output);
        }

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

        private TaskOutput Snapshot() => new(_stdout.ToString(), _stderr.ToString());

        private void SendSignal(int signal)
        {
            if (_exited.IsCompleted || OperatingSystem.IsWindows())
            {
                return;
            }

            if (_signalGroup)
            {
                if (Posix.Kill(-_pid, signal) == 0)
                {
                    return;
                }

                // ESRCH: setsid has not made the group yet, or everyone in it is gone. Signal the
                // process itself; whatever it forks later is caught by the group kill at exit.
                var error = Marshal.GetLastPInvokeError();
                if (error != Posix.ESRCH)
                {
                    Log.SignalFailed(_logger, _taskId, -_pid, signal, error);
                }
            }

            if (Posix.Kill(_pid, signal) != 0 && Marshal.GetLastPInvokeError() is var error2 and not Posix.ESRCH)
            {
                Log.SignalFailed(_logger, _taskId, _pid, signal, error2);
            }
        }

        private void ForceKill()
        {
            if (_signalGroup && !OperatingSystem.IsWindows())
            {
                SendSignal(Posix.SIGKILL);
                return;
            }

            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }
            catch (Win32Exception ex)
            {
                Log.SignalFailed(_logger, _taskId, _pid, Posix.SIGKILL, ex.NativeErrorCode);
            }
        }

        /// <summary>Copies one output pipe into its sandbox file and its tail until end-of-file.</summary>
        private async Task PumpAsync(Stream source, FileStream file, OutputTail tail, string name)
        {
            var bytes = ArrayPool<byte>.Shared.Rent(16 * 1024);
            var decoder = Encoding.UTF8.GetDecoder();
            var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(bytes.Length));
            var writeFile = true;
            try
            {
                int read;
                while ((read = await source.ReadAsync(bytes.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
                {
                    if (writeFile)
                    {
                        try
                        {
                            await file.WriteAsync(bytes.AsMemory(0, read), CancellationToken.None).ConfigureAwait(false);
                        }
                        catch (IOException ex)
                        {
                            // A full disk must not stall the task on a full pipe: keep the tail, drop the file.
                            Log.OutputWriteFailed(_logger, _taskId, name, ex);
                            writeFile = false;
                        }
                    }

                    var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
                    tail.Append(chars.AsSpan(0, count));
                }

                var rest = decoder.GetChars([], 0, 0, chars, 0, flush: true);
                tail.Append(chars.AsSpan(0, rest));
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The pipe was closed under us (the process was disposed): the output ends here.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
                ArrayPool<char>.Shared.Return(chars);
                await file.DisposeAsync().ConfigureAwait(false);
            }
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

        [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: writing {Stream} to the sandbox failed; keeping only its tail")]
        public static partial void OutputWriteFailed(ILogger logger, string taskId, string stream, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: output pipes still open {Timeout} after the process exited; giving up on the rest")]
        public static partial void OutputDrainTimedOut(ILogger logger, string taskId, TimeSpan timeout);

        [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId}: supervising the process failed")]
        public static partial void SupervisionFailed(ILogger logger, string taskId, Exception exception);
    }
}
