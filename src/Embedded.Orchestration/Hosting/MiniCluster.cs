using System.Runtime.InteropServices;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Hosting;

/// <summary>
/// A whole cluster in this process, for tests and tools: <c>await using var cluster = await MiniCluster.StartAsync();</c>.
/// The same services <c>AddClusterOrchestration</c> registers, started in order without a host.
/// </summary>
public sealed class MiniCluster : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IReadOnlyList<IHostedService> _hosted;
    private readonly PosixSignalRegistration?[] _signals;
    private readonly Lock _gate = new();
    private Task? _disposal;

    private MiniCluster(ServiceProvider services, IReadOnlyList<IHostedService> hosted)
    {
        _services = services;
        _hosted = hosted;
        // Without a generic host nothing stops the cluster when the process is asked to end: a console
        // program's Ctrl-C or SIGTERM would leave its containers running (the watchdog would remove them
        // moments later). So the cluster stops its tasks first, then the process ends as it would have.
        _signals = [Register(PosixSignal.SIGTERM), Register(PosixSignal.SIGINT)];
        Client = services.GetRequiredService<IClusterClient>();
        Jobs = services.GetRequiredService<IJobClient>();
        Services = services.GetRequiredService<IServiceClient>();
        var pool = services.GetRequiredService<AgentPool>();
        Agents = [.. pool.Names.Select(name => new AgentHandle(pool, Client, name))];
    }

    public IClusterClient Client { get; }
    public IJobClient Jobs { get; }

    /// <summary>The service scheduler: <c>await using var db = await cluster.Services.StartAsync(spec);</c> gives a healthy service, stopped on dispose.</summary>
    public IServiceClient Services { get; }
    public IReadOnlyList<AgentHandle> Agents { get; }
    public IServiceProvider ServiceProvider => _services;

    public AgentHandle Agent(string id) => Agents.FirstOrDefault(a => a.Id == id)
        ?? throw new ArgumentException($"no agent is named '{id}'", nameof(id));

    public Task<ClusterState> GetStateAsync(CancellationToken cancellationToken = default) => Client.GetStateAsync(cancellationToken);

    /// <summary>
    /// Stops the master as a crash would and starts a new one. With <see cref="MasterOptions.WorkDirectory"/>
    /// set it recovers its registry; agents register again with their tasks; frameworks' event streams
    /// end and they must subscribe again with their ids.
    /// </summary>
    public async Task RestartMasterAsync(CancellationToken cancellationToken = default)
    {
        await _services.GetRequiredService<MasterLink>().RestartAsync(cancellationToken).ConfigureAwait(false);
        _services.GetRequiredService<AgentPool>().MasterReplaced();
    }

    /// <summary>
    /// Starts a master, <paramref name="agents"/> agents named agent-1, agent-2, … (each
    /// <c>cpus:4;mem:4096;disk:10240;ports:[31000-31999]</c>, unless <paramref name="configure"/>
    /// adds agents itself) and the job scheduler; returns when every agent has registered.
    /// </summary>
    public static async Task<MiniCluster> StartAsync(
        int agents = 3,
        Action<ClusterOptions>? configure = null,
        TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agents);
        var services = new ServiceCollection();
        if (time is not null) services.AddSingleton(time);
        if (loggerFactory is not null) services.AddSingleton(loggerFactory);
        services.AddClusterOrchestration(options =>
        {
            // A test cluster favours speed: its job scheduler does not fsync every update unless asked to.
            options.Jobs.Checkpoint = false;
            options.Services.Checkpoint = false;
            configure?.Invoke(options);
            if (options.Agents.Count == 0)
                for (var i = 1; i <= agents; i++)
                    options.AddAgent($"agent-{i}", "cpus:4;mem:4096;disk:10240;ports:[31000-31999]");
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var hosted = provider.GetServices<IHostedService>().ToList();
        var started = new List<IHostedService>();
        try
        {
            foreach (var service in hosted)
            {
                await service.StartAsync(cancellationToken).ConfigureAwait(false);
                started.Add(service);
            }
        }
        catch
        {
            // What started is stopped; a failure to stop is secondary to the one being thrown.
            try
            {
                await HostedParts.StopAsync(started, CancellationToken.None).ConfigureAwait(false);
            }
            catch (AggregateException)
            {
            }
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new MiniCluster(provider, hosted);
    }

    private PosixSignalRegistration? Register(PosixSignal signal)
    {
        try
        {
            // The one blocking wait on purpose: the signal's default action (ending the process) runs
            // when the handler returns, so it must return only once the tasks are stopped.
            return PosixSignalRegistration.Create(signal, _ => DisposeAsync().AsTask().GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is PlatformNotSupportedException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stops the cluster as the generic host would, once however often it is called: first tells every
    /// part that stopping begins (the agents start killing their tasks, so callers get their KILLED
    /// results), then stops each part in reverse order. One failing part never leaves the others
    /// running; the failures are thrown together at the end, in an <see cref="AggregateException"/>.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate) _disposal ??= DisposeCoreAsync();
        return new ValueTask(_disposal);
    }

    private async Task DisposeCoreAsync()
    {
        foreach (var signal in _signals) signal?.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await HostedParts.StopAsync(_hosted, timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _services.DisposeAsync().ConfigureAwait(false);
        }
    }
}
