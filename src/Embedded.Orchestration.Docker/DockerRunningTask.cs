using System.Buffers;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using TaskState = Embedded.Orchestration.Model.TaskState;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Docker;

/// <summary>
/// One started container: its output followed into the sandbox and a tail, its exit classified,
/// its kill (SIGTERM, then SIGKILL after the grace period) and its removal, so that no container
/// outlives its task.
/// </summary>
internal sealed partial class DockerRunningTask : IRunningTask
{

    // Backoff while the engine does not answer (a daemon restart): short, so that a container that lived
    // through the outage is seen running soon after the engine is back, before it may end on its own.
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(500);

    // The log stream ends when the container stops; these bound waits for an engine that keeps it open.
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(30);

    private readonly IDockerClient _client;
    private readonly string _taskId;
    private readonly string _memoryLimit;
    private readonly TimeSpan _engineReconnectTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<DockerRunningTask> _onDisposed;
    private readonly OutputTail _stdout;
    private readonly OutputTail _stderr;
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _logs;
    private readonly Task<WaitResult> _exited;
    private readonly Lazy<Task> _disposal;
    private volatile bool _killRequested;

    // The first error that said the engine could not be reached while the task ran, if any.
    private volatile string? _engineLost;

    /// <summary>
    /// Follows a container that has just started, or one a restarted agent found again: its whole log is
    /// read from the start, so the output files and tails hold everything the container wrote. Owns the
    /// output files from here on.
    /// </summary>
    public DockerRunningTask(
        IDockerClient client, string containerId, string containerName, string taskId, string memoryLimit,
        FileStream stdoutFile, FileStream stderrFile, int tailCapacity, TimeSpan engineReconnectTimeout,
        TimeProvider time, ILogger logger, Action<DockerRunningTask> onDisposed)
    {
        _client = client;
        ContainerId = containerId;
        ContainerName = containerName;
        _taskId = taskId;
        _memoryLimit = memoryLimit;
        _engineReconnectTimeout = engineReconnectTimeout;
        _time = time;
        _logger = logger;
        _onDisposed = onDisposed;
        _stdout = new OutputTail(tailCapacity);
        _stderr = new OutputTail(tailCapacity);
        _disposal = new Lazy<Task>(DisposeOnceAsync, LazyThreadSafetyMode.ExecutionAndPublication);

        // Last, once every field they read is set.
        _logs = PumpLogsAsync(stdoutFile, stderrFile);
        _exited = WaitForExitAsync();
        Completion = SuperviseAsync();
    }

    public string ContainerId { get; }
    public string ContainerName { get; }
    public Task<TaskExit> Completion { get; }

    public ValueTask<TaskOutput> ReadOutputAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Snapshot());

    public async ValueTask KillAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (_exited.IsCompleted) return;
        _killRequested = true;

        if (gracePeriod > TimeSpan.Zero || gracePeriod == Timeout.InfiniteTimeSpan)
        {
            // The grace clock starts before the signal goes out, so a clock advanced as soon as this
            // call returns (a test's fake clock) counts against the grace period.
            using var graceCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var graceOver = Task.Delay(gracePeriod, _time, graceCancel.Token);
            if (!await SignalAsync("TERM", cancellationToken).ConfigureAwait(false)) return;
            var first = await Task.WhenAny(_exited, graceOver).ConfigureAwait(false);
            await graceCancel.CancelAsync().ConfigureAwait(false);
            if (first == _exited) return;
            cancellationToken.ThrowIfCancellationRequested();
            LogKillEscalated(_taskId, ContainerName, gracePeriod);
        }

        await SignalAsync("KILL", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills, drains and removes the container; every caller waits for the same removal.</summary>
    public ValueTask DisposeAsync() => new(_disposal.Value);

    private async Task DisposeOnceAsync()
    {
        try
        {
            if (!_exited.IsCompleted)
            {
                _killRequested = true;
                await SignalAsync("KILL", CancellationToken.None).ConfigureAwait(false);
            }

            // Completion never faults; once it is done the output is drained and the files closed.
            try
            {
                await Completion.WaitAsync(DisposeTimeout, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogDisposeTimedOut(_taskId, ContainerName, DisposeTimeout);
            }

            await _abort.CancelAsync().ConfigureAwait(false);
            await RemoveAsync().ConfigureAwait(false);
        }
        finally
        {
            _onDisposed(this);
            _abort.Dispose();
        }
    }

    private async Task RemoveAsync()
    {
        try
        {
            // Anonymous volumes go with the container; named ones outlive it, as they should.
            await _client.Containers.RemoveContainerAsync(ContainerId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None)
                .ConfigureAwait(false);
            LogRemoved(_taskId, ContainerName);
        }
        catch (Exception e) when (EngineErrors.IsNotFound(e))
        {
            // Gone already.
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e))
        {
            LogRemoveFailed(_taskId, ContainerName, EngineErrors.Message(e));
        }
    }

    /// <summary>Sends a signal; false when the container no longer runs (or no longer exists).</summary>
    private async Task<bool> SignalAsync(string signal, CancellationToken cancellationToken)
    {
        try
        {
            await _client.Containers.KillContainerAsync(ContainerId, new ContainerKillParameters { Signal = signal }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (EngineErrors.IsNotFound(e) || EngineErrors.IsConflict(e))
        {
            return false;
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e))
        {
            LogSignalFailed(_taskId, ContainerName, signal, EngineErrors.Message(e));
            return false;
        }
    }

    private async Task<WaitResult> WaitForExitAsync()
    {
        Outage? outage = null;
        while (true)
        {
            try
            {
                if (outage is not null)
                {
                    // The engine answers again. A container that lived through the outage (live-restore)
                    // did not end because of it, whatever it does later.
                    var state = (await _client.Containers.InspectContainerAsync(ContainerId, _abort.Token).ConfigureAwait(false)).State;
                    if (state?.Running == true)
                    {
                        _engineLost = null;
                        LogSurvivedOutage(_taskId, ContainerName);
                    }
                    outage = null;
                }
                var response = await _client.Containers.WaitContainerAsync(ContainerId, _abort.Token).ConfigureAwait(false);
                return new WaitResult(response.StatusCode, null);
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                return new WaitResult(null, "the executor stopped following the container");
            }
            catch (Exception e) when (EngineErrors.IsNotFound(e))
            {
                return new WaitResult(null, $"container {ContainerName} was removed outside Embedded while the task ran");
            }
            catch (Exception e) when (EngineErrors.IsUnreachable(e))
            {
                // The engine dropped the long poll or went away (a daemon restart): ask again once it answers.
                if (outage is null) LogWaitRetried(_taskId, ContainerName, EngineErrors.Message(e));
                outage ??= new Outage(this);
                if (!await outage.RetryAsync(e).ConfigureAwait(false))
                {
                    return new WaitResult(null, _abort.IsCancellationRequested
                        ? "the executor stopped following the container"
                        : $"lost the Docker engine while container {ContainerName} ran: it did not answer for {_engineReconnectTimeout} ({EngineErrors.Message(e)})");
                }
            }
            catch (Exception e)
            {
                return new WaitResult(null, $"lost track of container {ContainerName}: {EngineErrors.Message(e)}");
            }
        }
    }

    private async Task<TaskExit> SuperviseAsync()
    {
        try
        {
            var wait = await _exited.ConfigureAwait(false);
            try
            {
                await _logs.WaitAsync(OutputDrainTimeout, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogOutputDrainTimedOut(_taskId, ContainerName, OutputDrainTimeout);
            }

            if (wait.Error is { } lost)
                return new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated, lost, Output: Snapshot());

            State? state = null;
            var outage = new Outage(this);
            while (state is null)
            {
                try
                {
                    state = (await _client.Containers.InspectContainerAsync(ContainerId, CancellationToken.None).ConfigureAwait(false)).State;
                }
                catch (Exception e) when (EngineErrors.IsNotFound(e))
                {
                    return new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated,
                        $"container {ContainerName} was removed outside Embedded", (int?)wait.StatusCode, Snapshot());
                }
                catch (Exception e) when (EngineErrors.IsEngineError(e))
                {
                    // An engine that is restarting keeps the container's record: ask again once it answers.
                    if (EngineErrors.IsUnreachable(e))
                    {
                        if (!outage.Started) LogInspectRetried(_taskId, ContainerName, EngineErrors.Message(e));
                        if (await outage.RetryAsync(e).ConfigureAwait(false)) continue;
                    }

                    // The wait's status code still says how it ended.
                    LogInspectFailed(_taskId, ContainerName, EngineErrors.Message(e));
                    break;
                }
            }

            var exitCode = (int)(state?.ExitCode ?? wait.StatusCode ?? -1);
            LogExited(_taskId, ContainerName, exitCode);
            return Classify(exitCode, state?.OOMKilled ?? false, state?.Error);
        }
        catch (Exception e)
        {
            LogSupervisionFailed(_taskId, ContainerName, e);
            return new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated, $"supervising container {ContainerName} failed: {e.Message}", Output: Snapshot());
        }
    }

    private TaskExit Classify(int exitCode, bool oomKilled, string? engineError)
    {
        var output = Snapshot();
        if (_killRequested) return new TaskExit(TaskState.Killed, TaskReason.None, "killed", exitCode, output);
        if (oomKilled)
        {
            return new TaskExit(TaskState.Failed, TaskReason.ContainerLimitationMemory,
                $"the container used more than its memory limit of {_memoryLimit} and was OOM-killed (exit code {exitCode})", exitCode, output);
        }
        if (exitCode == 0) return new TaskExit(TaskState.Finished, TaskReason.None, "exited with code 0", 0, output);
        if (!string.IsNullOrEmpty(engineError))
            return new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated, $"the engine reports: {engineError} (exit code {exitCode})", exitCode, output);

        // The engine went away while the container ran: without live-restore a daemon stop or restart stops it.
        if (_engineLost is { } lost)
        {
            return new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated,
                $"container {ContainerName} ended with exit code {exitCode} while the Docker engine was unreachable ({lost}); "
                + "an engine stop or restart ends its containers unless live-restore is on", exitCode, output);
        }

        // SIGKILL that neither we nor the OOM killer sent: someone killed the container behind our back.
        if (exitCode == 128 + 9)
        {
            return new TaskExit(TaskState.Failed, TaskReason.ExecutorTerminated,
                $"container {ContainerName} was killed (SIGKILL, exit code 137) outside Embedded: by docker kill, or by the engine stopping it", exitCode, output);
        }
        var message = exitCode is > 128 and <= 128 + 64 ? $"terminated by signal {exitCode - 128} (exit code {exitCode})" : $"exited with code {exitCode}";
        return new TaskExit(TaskState.Failed, TaskReason.None, message, exitCode, output);
    }

    private TaskOutput Snapshot() => new(_stdout.ToString(), _stderr.ToString());

    /// <summary>
    /// Demultiplexes the container's log stream into the sandbox files and the tails until it ends. When
    /// the engine drops the stream (a daemon restart), it follows again once the engine answers: the
    /// engine replays the log from the start, and each sink skips what it has already written.
    /// </summary>
    private async Task PumpLogsAsync(FileStream stdoutFile, FileStream stderrFile)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(buffer.Length));
        var stdout = new Sink(stdoutFile, _stdout, Encoding.UTF8.GetDecoder());
        var stderr = new Sink(stderrFile, _stderr, Encoding.UTF8.GetDecoder());
        var outage = new Outage(this, blamesEngine: false);
        try
        {
            var parameters = new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true };
            while (true)
            {
                try
                {
                    using var stream = await _client.Containers.GetContainerLogsAsync(ContainerId, parameters, _abort.Token).ConfigureAwait(false);
                    stdout.Replay();
                    stderr.Replay();
                    if (outage.Started)
                    {
                        LogOutputResumed(_taskId, ContainerName);
                        outage = new Outage(this, blamesEngine: false);
                    }
                    while (true)
                    {
                        var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, _abort.Token).ConfigureAwait(false);
                        if (read.EOF) return;
                        var sink = read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout;
                        await sink.WriteAsync(buffer.AsMemory(0, read.Count), chars, this).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (_abort.IsCancellationRequested)
                {
                    return; // Disposed before the stream ended.
                }
                catch (Exception e) when (EngineErrors.IsUnreachable(e))
                {
                    if (!outage.Started) LogOutputInterrupted(_taskId, ContainerName, EngineErrors.Message(e));
                    else LogOutputRetryFailed(_taskId, ContainerName, EngineErrors.Message(e));
                    if (!await outage.RetryAsync(e).ConfigureAwait(false)) return;
                }
                catch (Exception e) when (EngineErrors.IsEngineError(e))
                {
                    LogOutputFailed(_taskId, ContainerName, EngineErrors.Message(e));
                    return;
                }
            }
        }
        finally
        {
            stdout.Flush(chars);
            stderr.Flush(chars);
            await stdoutFile.DisposeAsync().ConfigureAwait(false);
            await stderrFile.DisposeAsync().ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>
    /// One stretch of an engine that does not answer, as one caller sees it: waits with backoff on the
    /// task's clock, and gives up once the engine has been silent for the reconnect timeout.
    /// </summary>
    private sealed class Outage(DockerRunningTask owner, bool blamesEngine = true)
    {
        private long _since;
        private int _attempt;

        /// <summary>Whether an error has been seen already (so that only the first one is logged).</summary>
        public bool Started => _attempt > 0;

        /// <summary>
        /// Records the error (unless this caller only follows output: whether the container ended because
        /// of the outage is for the wait to tell) and waits before the next try; false when the engine has
        /// been gone too long or the task is disposed.
        /// </summary>
        public async ValueTask<bool> RetryAsync(Exception error)
        {
            if (blamesEngine) owner._engineLost ??= EngineErrors.Message(error);
            if (_attempt == 0) _since = owner._time.GetTimestamp();
            else if (owner._time.GetElapsedTime(_since) >= owner._engineReconnectTimeout) return false;
            var delay = TimeSpan.FromTicks(Math.Min(FirstRetryDelay.Ticks << Math.Min(_attempt, 10), MaxRetryDelay.Ticks));
            _attempt++;
            try
            {
                await Task.Delay(delay, owner._time, owner._abort.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>One output stream's file, tail and decoder (a character may span two frames).</summary>
    private sealed class Sink(FileStream file, OutputTail tail, Decoder decoder)
    {
        private bool _writeFile = true;

        // Bytes of this stream taken so far, and how many of a replayed log are still to skip.
        private long _taken;
        private long _skip;

        /// <summary>The engine sends the log again from its start: skip what was taken already.</summary>
        public void Replay() => _skip = _taken;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, char[] chars, DockerRunningTask owner)
        {
            if (_skip > 0)
            {
                var skipped = (int)Math.Min(_skip, bytes.Length);
                _skip -= skipped;
                bytes = bytes[skipped..];
                if (bytes.IsEmpty) return;
            }
            _taken += bytes.Length;
            if (_writeFile)
            {
                try
                {
                    await file.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    // A full disk must not stop the tail: keep it, drop the file.
                    owner.LogOutputWriteFailed(owner._taskId, file.Name, e);
                    _writeFile = false;
                }
            }
            var count = decoder.GetChars(bytes.Span, chars, flush: false);
            tail.Append(chars.AsSpan(0, count));
        }

        public void Flush(char[] chars)
        {
            var count = decoder.GetChars([], chars, flush: true);
            tail.Append(chars.AsSpan(0, count));
        }
    }

    private sealed record WaitResult(long? StatusCode, string? Error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId}: container {Container} exited with code {ExitCode}")]
    private partial void LogExited(string taskId, string container, int exitCode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId}: removed container {Container}")]
    private partial void LogRemoved(string taskId, string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: container {Container} outlived its {GracePeriod} grace period; killing it")]
    private partial void LogKillEscalated(string taskId, string container, TimeSpan gracePeriod);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: sending SIG{Signal} to container {Container} failed: {Error}")]
    private partial void LogSignalFailed(string taskId, string container, string signal, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: removing container {Container} failed: {Error}")]
    private partial void LogRemoveFailed(string taskId, string container, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: waiting for container {Container} was interrupted ({Error}); waiting again once the engine answers")]
    private partial void LogWaitRetried(string taskId, string container, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: the Docker engine answers again and container {Container} still runs; following it on")]
    private partial void LogSurvivedOutage(string taskId, string container);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: the engine does not answer an inspect of container {Container} ({Error}); asking again once it does")]
    private partial void LogInspectRetried(string taskId, string container, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: inspecting container {Container} after it stopped failed: {Error}")]
    private partial void LogInspectFailed(string taskId, string container, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: following the output of container {Container} failed: {Error}")]
    private partial void LogOutputFailed(string taskId, string container, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: following the output of container {Container} was interrupted ({Error}); following again once the engine answers")]
    private partial void LogOutputInterrupted(string taskId, string container, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId}: following the output of container {Container} again failed: {Error}")]
    private partial void LogOutputRetryFailed(string taskId, string container, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: following the output of container {Container} again")]
    private partial void LogOutputResumed(string taskId, string container);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: writing {File} failed; keeping only the tail")]
    private partial void LogOutputWriteFailed(string taskId, string file, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: the output of container {Container} was still open {Timeout} after it stopped; giving up on the rest")]
    private partial void LogOutputDrainTimedOut(string taskId, string container, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: container {Container} did not stop within {Timeout} of being killed; removing it anyway")]
    private partial void LogDisposeTimedOut(string taskId, string container, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task {TaskId}: supervising container {Container} failed")]
    private partial void LogSupervisionFailed(string taskId, string container, Exception exception);
}
