using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging;
using ContainerSpec = Embedded.Orchestration.Model.ContainerSpec;
using Resources = Embedded.Orchestration.Model.Resources;
using TaskState = Embedded.Orchestration.Model.TaskState;

namespace Embedded.Orchestration.Docker;

/// <summary>
/// Runs container tasks on one Docker engine, like Mesos's Docker containerizer: pulls by policy,
/// creates the container with the task's resources as hard limits, starts it and follows it. A
/// restarted agent finds its tasks' containers again by their labels (<see cref="RecoverAsync"/>),
/// which runs before start. At start it reports the engine's os, arch and capacity and removes the
/// containers of this agent that no task claims; at stop it removes what is left unless tasks stay running.
/// </summary>
internal sealed partial class DockerExecutor(DockerOptions options, TimeProvider time, ILoggerFactory loggers)
    : ITaskExecutor, IExecutorLifecycle, IRecoverableExecutor
{
    private readonly ILogger _logger = loggers.CreateLogger<DockerExecutor>();
    private readonly ConcurrentDictionary<string, DockerRunningTask> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _launching = new(StringComparer.Ordinal);
    private readonly Lock _clientGate = new();
    private DockerClient? _client;
    private EngineFacts? _engine;
    private bool _started;
    private string _agentId = "";

    public string Name => "docker";

    /// <summary>The agent's owner lease, told which engine this executor's containers run on.</summary>
    internal Lease.AgentLease? Lease { get; init; }

    /// <summary>The engine this executor talks to, once started.</summary>
    public Uri? Endpoint { get; private set; }

    internal EngineFacts? Engine => _engine;

    public TaskKind Kind => TaskKind.Container;

    public async ValueTask<ExecutorFacts> StartAsync(string agentId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        if (_started) throw new InvalidOperationException($"the docker executor of agent {_agentId} has started already");
        _agentId = agentId;

        // Recovery may have made the client already, and tasks it reattached use it.
        var endpoint = DockerEndpoint.Resolve(options);
        var client = ClientFor(endpoint);
        SystemInfoResponse info;
        VersionResponse version;
        try
        {
            info = await client.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false);
            version = await client.System.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e) || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            if (_running.IsEmpty) DropClient(client);
            throw new InvalidOperationException(EngineErrors.IsTlsFailure(e)
                ? $"agent {agentId}: cannot talk to the Docker engine at {endpoint} ({EngineErrors.Message(e)})"
                : $"agent {agentId}: no Docker engine answers at {endpoint} ({EngineErrors.Message(e)}); start one, or point DockerOptions.Endpoint or DOCKER_HOST at it", e);
        }

        var engine = new EngineFacts(
            EngineFacts.NormalizeOs(info.OSType),
            EngineFacts.NormalizeArch(info.Architecture ?? version.Arch),
            version.Version ?? info.ServerVersion ?? "unknown",
            Math.Max(info.NCPU, 1),
            Math.Max(info.MemTotal, 0));
        _engine = engine;
        _started = true;
        LogEngine(agentId, endpoint, engine.Os, engine.Arch, engine.Version);

        await RemoveContainersAsync(orphansOnly: true, cancellationToken).ConfigureAwait(false);

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["os"] = engine.Os,
            ["arch"] = engine.Arch,
            ["docker_version"] = engine.Version,
        };
        var resources = Agent.AgentDefaults.Resources(engine.Cpus, engine.MemoryBytes);
        return new ExecutorFacts(attributes, resources);
    }

    public async ValueTask StopAsync(bool leaveTasksRunning, CancellationToken cancellationToken)
    {
        if (_client is not { } client) return;
        _started = false;
        try
        {
            if (leaveTasksRunning) return;

            // The agent has killed its tasks and started disposing them; wait until every container
            // is removed, then sweep what no task owns (a launch that raced the shutdown).
            await Task.WhenAll(_running.Values.Select(r => r.DisposeAsync().AsTask())).WaitAsync(cancellationToken).ConfigureAwait(false);
            await RemoveContainersAsync(orphansOnly: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            DropClient(client);
        }
    }

    /// <summary>The client of the configured engine, made on first use: recovery runs before start.</summary>
    private DockerClient ClientFor(Uri endpoint)
    {
        lock (_clientGate)
        {
            if (_client is { } existing) return existing;
            Endpoint = endpoint;
            // The watchdog speaks plain HTTP to the engine; a TLS engine's containers are left to the agent's own sweep at its next start.
            if (DockerEndpoint.CreateTls(endpoint, options) is null) Lease?.WatchEngine(endpoint);
            return _client = DockerEndpoint.CreateClient(endpoint, options);
        }
    }

    private void DropClient(DockerClient client)
    {
        lock (_clientGate)
        {
            if (_client == client) _client = null;
        }
        client.Dispose();
    }

    public async ValueTask<IRunningTask> LaunchAsync(TaskLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var client = _client;
        var engine = _engine;
        if (!_started || client is null || engine is null)
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, "the docker executor has not started (IExecutorLifecycle.StartAsync) or has stopped");
        var task = launch.Task;
        var spec = task.Container ?? throw new TaskLaunchException(TaskReason.TaskInvalid, $"task '{task.TaskId}' has no container");

        // Everything the task asks for is checked before anything is pulled or created.
        // A task id launched again gets a new container name from its new run number.
        var run = launch.Run > 0 ? launch.Run.ToString(CultureInfo.InvariantCulture) : Guid.NewGuid().ToString("N")[..8];
        var request = ContainerRequestBuilder.Build(launch, run, engine, options.AllowedHostPaths);
        var name = request.Name!;
        var sandbox = Sandbox.Create(launch.SandboxDirectory);

        await EnsureImageAsync(client, spec, cancellationToken).ConfigureAwait(false);

        var stdout = Sandbox.OpenOutputFile(sandbox, Sandbox.StdoutFileName);
        FileStream? stderr = null;
        string? id = null;
        try
        {
            stderr = Sandbox.OpenOutputFile(sandbox, Sandbox.StderrFileName);
            id = await CreateAsync(client, request, name, task.TaskId, cancellationToken).ConfigureAwait(false);
            try
            {
                await client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (EngineErrors.IsEngineError(e))
            {
                throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"starting container {name} failed: {EngineErrors.Message(e)}", e);
            }

            var running = Follow(client, id, name, task, stdout, stderr);
            _launching.TryRemove(id, out _);
            LogLaunched(task.TaskId, name, id[..Math.Min(12, id.Length)], request.Image);
            return running;
        }
        catch
        {
            // No container outlives a launch that failed, whatever failed.
            if (id is not null)
            {
                await RemoveQuietlyAsync(client, id).ConfigureAwait(false);
                _launching.TryRemove(id, out _);
            }
            await stdout.DisposeAsync().ConfigureAwait(false);
            if (stderr is not null) await stderr.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static bool IsLoopback(string host) =>
        host is "localhost" || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));

    /// <summary>Follows a started container as the task's run; the executor knows it (and spares it in sweeps) until it is disposed.</summary>
    private DockerRunningTask Follow(DockerClient client, string id, string name, TaskInfo task, FileStream stdout, FileStream stderr)
    {
        var running = new DockerRunningTask(client, id, name, task.TaskId, $"{task.Resources.Mem} MB", stdout, stderr,
            options.LogTailBytes, options.EngineReconnectTimeout, time, loggers.CreateLogger<DockerRunningTask>(), r => _running.TryRemove(r.ContainerId, out _))
        {
            Host = Endpoint is { Scheme: "tcp" or "http" or "https", Host: { Length: > 0 } host } && !IsLoopback(host) ? host : "127.0.0.1",
        };
        _running[id] = running;
        return running;
    }

    /// <summary>
    /// Finds the container of a task that a crashed agent launched, by its labels. A running one is
    /// followed again (reconnect) or killed and removed (cleanup); one that ended while the agent was
    /// away is reported with its real exit status and removed; none at all means the task is lost.
    /// </summary>
    public async ValueTask<RecoveredRun> RecoverAsync(TaskLaunch launch, bool reconnect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var task = launch.Task;
        var endpoint = DockerEndpoint.Resolve(options);
        var client = ClientFor(endpoint);
        var run = launch.Run > 0 ? launch.Run.ToString(CultureInfo.InvariantCulture) : null;

        ContainerListResponse? found;
        try
        {
            var labels = OwnLabels(launch.AgentId);
            labels[$"{ContainerRequestBuilder.FrameworkLabel}={launch.FrameworkId}"] = true;
            labels[$"{ContainerRequestBuilder.TaskLabel}={task.TaskId}"] = true;
            if (run is not null) labels[$"{ContainerRequestBuilder.RunLabel}={run}"] = true;
            var containers = await client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labels },
            }, cancellationToken).ConfigureAwait(false);
            found = containers.FirstOrDefault(c => c.State != "removing");
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e))
        {
            return Ended(TaskState.Failed, TaskReason.ExecutorTerminated,
                $"the agent restarted and could not ask the Docker engine at {endpoint} about the task's container: {EngineErrors.Message(e)}");
        }

        var expected = run is null ? $"of task {task.TaskId}" : ContainerRequestBuilder.Name(launch.AgentId, task.TaskId, run);
        if (found is null)
        {
            LogRecoveredGone(task.TaskId, expected);
            return Ended(TaskState.Failed, TaskReason.ExecutorTerminated,
                $"the container is gone: the agent restarted and container {expected} no longer exists on the Docker engine, so how the task ended is unknown");
        }

        var id = found.ID;
        var name = found.Names?.FirstOrDefault()?.TrimStart('/') ?? expected;
        if (found.State == "created")
        {
            // The agent stopped between creating and starting it: the task never ran.
            await RemoveQuietlyAsync(client, id).ConfigureAwait(false);
            LogRecoveredUnstarted(task.TaskId, name);
            return Ended(TaskState.Failed, TaskReason.ContainerLaunchFailed,
                $"the agent stopped before container {name} started; the agent restarted and removed it");
        }

        // The engine replays the whole log, so the sandbox files and the tails hold all of the task's output.
        var sandbox = Sandbox.Create(launch.SandboxDirectory);
        FileStream? stdout = null;
        DockerRunningTask followed;
        try
        {
            stdout = Sandbox.OpenOutputFile(sandbox, Sandbox.StdoutFileName);
            var stderr = Sandbox.OpenOutputFile(sandbox, Sandbox.StderrFileName);
            followed = Follow(client, id, name, task, stdout, stderr);
        }
        catch (TaskLaunchException e)
        {
            if (stdout is not null) await stdout.DisposeAsync().ConfigureAwait(false);
            await RemoveQuietlyAsync(client, id).ConfigureAwait(false);
            return Ended(TaskState.Failed, TaskReason.ExecutorTerminated, $"the agent restarted and could not follow container {name} again: {e.Message}");
        }

        if (found.State is "running" or "paused" or "restarting")
        {
            if (reconnect)
            {
                LogReattached(task.TaskId, name, found.State);
                return new RecoveredRun(followed, null);
            }

            await followed.DisposeAsync().ConfigureAwait(false);
            var killed = await followed.Completion.ConfigureAwait(false);
            LogRecoveredAndKilled(task.TaskId, name);
            return Ended(TaskState.Failed, TaskReason.AgentRestarted,
                $"the agent restarted with recovery 'cleanup', so container {name}, still running, was killed and removed", killed.ExitCode, killed.Output);
        }

        // Ended while the agent was away ("exited" or "dead"): its record still says how.
        var exit = await followed.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        await followed.DisposeAsync().ConfigureAwait(false);
        LogRecoveredEnded(task.TaskId, name, exit.State, exit.ExitCode);
        return new RecoveredRun(null, exit with { Message = $"{exit.Message} (while the agent was away)" });
    }

    private static RecoveredRun Ended(TaskState state, TaskReason reason, string message, int? exitCode = null, TaskOutput? output = null) =>
        new(null, new TaskExit(state, reason, message, exitCode, output));

    private async Task EnsureImageAsync(DockerClient client, ContainerSpec spec, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(spec.Image);
        switch (spec.Pull)
        {
            case PullPolicy.Always:
                await PullAsync(client, image, spec.Credentials, cancellationToken).ConfigureAwait(false);
                break;
            case PullPolicy.Never:
                if (!await ExistsAsync(client, image, cancellationToken).ConfigureAwait(false))
                    throw new TaskLaunchException(TaskReason.ImagePullFailed, $"image {image.FullName} is not present and the pull policy is Never");
                break;
            default:
                if (!await ExistsAsync(client, image, cancellationToken).ConfigureAwait(false))
                    await PullAsync(client, image, spec.Credentials, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private static async Task<bool> ExistsAsync(DockerClient client, ImageReference image, CancellationToken cancellationToken)
    {
        try
        {
            await client.Images.InspectImageAsync(image.FullName, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (EngineErrors.IsNotFound(e))
        {
            return false;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.BadRequest)
        {
            throw new TaskLaunchException(TaskReason.TaskInvalid, $"image '{image.FullName}' is not a valid reference: {EngineErrors.Message(e)}", e);
        }
        catch (Exception e) when (EngineErrors.IsUnreachable(e))
        {
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"the Docker engine does not answer: {EngineErrors.Message(e)}", e);
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e))
        {
            throw new TaskLaunchException(TaskReason.ImagePullFailed, $"cannot look up image {image.FullName}: {EngineErrors.Message(e)}", e);
        }
    }

    private async Task PullAsync(DockerClient client, ImageReference image, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        var auth = credentials is null
            ? new AuthConfig()
            : new AuthConfig
            {
                Username = credentials.Username,
                Password = credentials.Password,
                ServerAddress = credentials.ServerAddress ?? image.CredentialServer,
            };
        var parameters = image.Digest is null
            ? new ImagesCreateParameters { FromImage = image.Repository, Tag = image.Tag ?? "latest" }
            : new ImagesCreateParameters { FromImage = image.FullName };
        var progress = new PullProgress();
        LogPulling(image.FullName, image.Registry);
        try
        {
            await client.Images.CreateImageAsync(parameters, auth, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.BadRequest)
        {
            throw new TaskLaunchException(TaskReason.TaskInvalid, $"image '{image.FullName}' is not a valid reference: {EngineErrors.Message(e)}", e);
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e))
        {
            throw new TaskLaunchException(TaskReason.ImagePullFailed, $"pulling image {image.FullName} failed: {EngineErrors.Message(e)}", e);
        }

        // Errors after the pull began arrive in the progress stream, not as a status code.
        if (progress.Error is { } error)
            throw new TaskLaunchException(TaskReason.ImagePullFailed, $"pulling image {image.FullName} failed: {error}");
        if (!await ExistsAsync(client, image, cancellationToken).ConfigureAwait(false))
            throw new TaskLaunchException(TaskReason.ImagePullFailed, $"pulling image {image.FullName} reported no error, but the image is not there");
        LogPulled(image.FullName);
    }

    /// <summary>Creates the container; a leftover of the same name from a crashed run of this agent is replaced.</summary>
    private async Task<string> CreateAsync(DockerClient client, CreateContainerParameters request, string name, string taskId, CancellationToken cancellationToken)
    {
        // Marked before the call, so an orphan sweep never takes a container being launched.
        _launching[name] = 0;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var response = await client.Containers.CreateContainerAsync(request, cancellationToken).ConfigureAwait(false);
                    _launching[response.ID] = 0;
                    foreach (var warning in response.Warnings ?? []) LogCreateWarning(taskId, name, warning);
                    return response.ID;
                }
                catch (OperationCanceledException)
                {
                    // The engine may have created it anyway.
                    await RemoveQuietlyAsync(client, name).ConfigureAwait(false);
                    throw;
                }
                catch (Exception e) when (attempt == 1 && EngineErrors.IsConflict(e))
                {
                    if (!await RemoveLeftoverAsync(client, name).ConfigureAwait(false))
                        throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"creating container {name} failed: {EngineErrors.Message(e)}", e);
                    LogLeftoverReplaced(taskId, name);
                }
                catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.BadRequest)
                {
                    throw new TaskLaunchException(TaskReason.TaskInvalid, $"the engine refused container {name}: {EngineErrors.Message(e)}", e);
                }
                catch (Exception e) when (EngineErrors.IsEngineError(e))
                {
                    throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"creating container {name} failed: {EngineErrors.Message(e)}", e);
                }
            }
        }
        finally
        {
            _launching.TryRemove(name, out _);
        }
    }

    /// <summary>Removes a same-named container if it is this agent's and no task of ours owns it.</summary>
    private async Task<bool> RemoveLeftoverAsync(DockerClient client, string name)
    {
        try
        {
            var existing = await client.Containers.InspectContainerAsync(name, CancellationToken.None).ConfigureAwait(false);
            if (existing.Config?.Labels is not { } labels
                || !labels.TryGetValue(ContainerRequestBuilder.AgentLabel, out var agent) || agent != _agentId
                || (Lease is { } lease && (!labels.TryGetValue(ContainerRequestBuilder.LeaseLabel, out var owner) || owner != lease.Id))
                || _running.ContainsKey(existing.ID)) return false;
            await RemoveQuietlyAsync(client, existing.ID).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e))
        {
            return false;
        }
    }

    /// <summary>
    /// The labels of this agent's containers. With a lease, its id too: agents of two clusters may share an
    /// engine and a name ("docker" of two `embedded dev`), and one must never sweep the other's containers.
    /// </summary>
    private Dictionary<string, bool> OwnLabels(string agentId)
    {
        var labels = new Dictionary<string, bool>
        {
            [$"{ContainerRequestBuilder.ManagedLabel}=true"] = true,
            [$"{ContainerRequestBuilder.AgentLabel}={agentId}"] = true,
        };
        if (Lease is { } lease) labels[$"{ContainerRequestBuilder.LeaseLabel}={lease.Id}"] = true;
        return labels;
    }

    /// <summary>Force-removes this agent's containers: all of them, or those no task of this executor owns.</summary>
    private async Task RemoveContainersAsync(bool orphansOnly, CancellationToken cancellationToken)
    {
        if (_client is not { } client) return;
        IList<ContainerListResponse> containers;
        try
        {
            containers = await client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = OwnLabels(_agentId) },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e))
        {
            LogSweepFailed(_agentId, EngineErrors.Message(e));
            return;
        }

        foreach (var container in containers)
        {
            var name = container.Names?.FirstOrDefault()?.TrimStart('/') ?? container.ID;
            if (orphansOnly && (_running.ContainsKey(container.ID) || _launching.ContainsKey(container.ID) || _launching.ContainsKey(name))) continue;
            LogRemovingLeftover(_agentId, name, container.State ?? "unknown");
            await RemoveQuietlyAsync(client, container.ID).ConfigureAwait(false);
        }
    }

    private async Task RemoveQuietlyAsync(DockerClient client, string idOrName)
    {
        try
        {
            await client.Containers.RemoveContainerAsync(idOrName, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (EngineErrors.IsNotFound(e))
        {
            // Never created, or gone already.
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e))
        {
            LogRemoveFailed(idOrName, EngineErrors.Message(e));
        }
    }

    /// <summary>Keeps the first error of a pull; reports arrive synchronously, in order, on the pulling thread.</summary>
    private sealed class PullProgress : IProgress<JSONMessage>
    {
        public string? Error { get; private set; }

        public void Report(JSONMessage value)
        {
            if (Error is null && value.Error?.Message is { Length: > 0 } message) Error = message.Trim();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId}: Docker engine at {Endpoint}: {Os}/{Arch}, version {Version}")]
    private partial void LogEngine(string agentId, Uri endpoint, string os, string arch, string version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task {TaskId} started as container {Container} ({Id}, image {Image})")]
    private partial void LogLaunched(string taskId, string container, string id, string image);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulling image {Image} from {Registry}")]
    private partial void LogPulling(string image, string registry);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pulled image {Image}")]
    private partial void LogPulled(string image);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: the engine warns about container {Container}: {Warning}")]
    private partial void LogCreateWarning(string taskId, string container, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: replaced leftover container {Container} of an earlier run of this agent")]
    private partial void LogLeftoverReplaced(string taskId, string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId}: removing container {Container} ({State}) that no task of this agent owns")]
    private partial void LogRemovingLeftover(string agentId, string container, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId}: listing its containers failed: {Error}")]
    private partial void LogSweepFailed(string agentId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: reattached to container {Container} ({State}) after the agent restarted")]
    private partial void LogReattached(string taskId, string container, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: container {Container} still ran after the agent restarted; killed and removed it (recovery: cleanup)")]
    private partial void LogRecoveredAndKilled(string taskId, string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: container {Container} ended while the agent was away: {State}, exit code {ExitCode}")]
    private partial void LogRecoveredEnded(string taskId, string container, TaskState state, int? exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId}: container {Container} is gone after the agent restarted")]
    private partial void LogRecoveredGone(string taskId, string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId}: container {Container} was created but never started before the agent restarted; removed it")]
    private partial void LogRecoveredUnstarted(string taskId, string container);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing container {Container} failed: {Error}")]
    private partial void LogRemoveFailed(string container, string error);
}
