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

namespace Embedded.Orchestration.Docker;

/// <summary>
/// Runs container tasks on one Docker engine, like Mesos's Docker containerizer: pulls by policy,
/// creates the container with the task's resources as hard limits, starts it and follows it. At
/// start it reports the engine's os, arch and capacity and removes the containers a crashed
/// predecessor of this agent left; at stop it removes what is left unless tasks stay running.
/// </summary>
internal sealed partial class DockerExecutor(DockerOptions options, TimeProvider time, ILoggerFactory loggers) : ITaskExecutor, IExecutorLifecycle
{
    private readonly ILogger _logger = loggers.CreateLogger<DockerExecutor>();
    private readonly ConcurrentDictionary<string, DockerRunningTask> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _launching = new(StringComparer.Ordinal);
    private DockerClient? _client;
    private EngineFacts? _engine;
    private string _agentId = "";

    public string Name => "docker";

    /// <summary>The engine this executor talks to, once started.</summary>
    public Uri? Endpoint { get; private set; }

    internal EngineFacts? Engine => _engine;

    public bool CanRun(TaskInfo task) => task.Container is not null;

    public async ValueTask<ExecutorFacts> StartAsync(string agentId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        if (_client is not null) throw new InvalidOperationException($"the docker executor of agent {_agentId} has started already");
        _agentId = agentId;
        var endpoint = DockerEndpoint.Resolve(options);
        var client = DockerEndpoint.CreateClient(endpoint, options);
        SystemInfoResponse info;
        VersionResponse version;
        try
        {
            info = await client.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false);
            version = await client.System.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e) || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new InvalidOperationException(
                $"agent {agentId}: no Docker engine answers at {endpoint} ({EngineErrors.Message(e)}); start one, or point DockerOptions.Endpoint or DOCKER_HOST at it", e);
        }

        var engine = new EngineFacts(
            EngineFacts.NormalizeOs(info.OSType),
            EngineFacts.NormalizeArch(info.Architecture ?? version.Arch),
            version.Version ?? info.ServerVersion ?? "unknown",
            Math.Max(info.NCPU, 1),
            Math.Max(info.MemTotal, 0));
        _client = client;
        _engine = engine;
        Endpoint = endpoint;
        LogEngine(agentId, endpoint, engine.Os, engine.Arch, engine.Version);

        await RemoveContainersAsync(orphansOnly: true, cancellationToken).ConfigureAwait(false);

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["os"] = engine.Os,
            ["arch"] = engine.Arch,
            ["docker_version"] = engine.Version,
        };
        var resources = Resources.Empty
            .WithScalar(Resources.CpusName, engine.Cpus)
            .WithScalar(Resources.MemName, Math.Max(engine.MemoryBytes / (1024 * 1024), 1))
            .WithScalar(Resources.DiskName, 10 * 1024)
            .WithRanges(Resources.PortsName, RangeSet.Of(31000, 32000));
        return new ExecutorFacts(attributes, resources);
    }

    public async ValueTask StopAsync(bool leaveTasksRunning, CancellationToken cancellationToken)
    {
        if (_client is not { } client) return;
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
            _client = null;
            client.Dispose();
        }
    }

    public async ValueTask<IRunningTask> LaunchAsync(TaskLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var client = _client;
        var engine = _engine;
        if (client is null || engine is null)
            throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, "the docker executor has not started (IExecutorLifecycle.StartAsync) or has stopped");
        var task = launch.Task;
        var spec = task.Container ?? throw new TaskLaunchException(TaskReason.TaskInvalid, $"task '{task.TaskId}' has no container");

        // Everything the task asks for is checked before anything is pulled or created.
        var run = RunOf(launch.SandboxDirectory);
        var request = ContainerRequestBuilder.Build(launch, run, engine, options.AllowedHostPaths);
        var name = request.Name!;
        var sandbox = ProcessExecutor.CreateSandbox(launch.SandboxDirectory);

        await EnsureImageAsync(client, spec, cancellationToken).ConfigureAwait(false);

        var stdout = DockerRunningTask.OpenOutputFile(sandbox, stderr: false);
        FileStream? stderr = null;
        string? id = null;
        try
        {
            stderr = DockerRunningTask.OpenOutputFile(sandbox, stderr: true);
            id = await CreateAsync(client, request, name, task.TaskId, cancellationToken).ConfigureAwait(false);
            try
            {
                await client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (EngineErrors.IsEngineError(e))
            {
                throw new TaskLaunchException(TaskReason.ContainerLaunchFailed, $"starting container {name} failed: {EngineErrors.Message(e)}", e);
            }

            var running = new DockerRunningTask(client, id, name, task.TaskId, $"{task.Resources.Mem} MB", stdout, stderr,
                options.LogTailBytes, time, loggers.CreateLogger<DockerRunningTask>(), r => _running.TryRemove(r.ContainerId, out _));
            _running[id] = running;
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

    /// <summary>The agent's run number from its sandbox layout (…/runs/&lt;run&gt;), so that a task id launched again gets a new name.</summary>
    private static string RunOf(string sandboxDirectory)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(sandboxDirectory);
        var name = Path.GetFileName(trimmed);
        return name.Length > 0 && Path.GetFileName(Path.GetDirectoryName(trimmed)) == "runs"
            ? name
            : Guid.NewGuid().ToString("N")[..8];
    }

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
                || _running.ContainsKey(existing.ID)) return false;
            await RemoveQuietlyAsync(client, existing.ID).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (EngineErrors.IsEngineError(e))
        {
            return false;
        }
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
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool>
                    {
                        [$"{ContainerRequestBuilder.ManagedLabel}=true"] = true,
                        [$"{ContainerRequestBuilder.AgentLabel}={_agentId}"] = true,
                    },
                },
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing container {Container} failed: {Error}")]
    private partial void LogRemoveFailed(string container, string error);
}
