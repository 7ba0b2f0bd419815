using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Embedded.Orchestration.Scheduling.Services;

/// <summary>
/// A deployed service: its instances and endpoints as they are now, a wait for it to be healthy, its
/// instances' events, and scale, update and stop. Disposing stops it (as Testcontainers removes a container).
/// </summary>
public sealed class ServiceHandle : IAsyncDisposable
{
    private readonly ServiceScheduler _scheduler;
    private readonly Lock _gate = new();
    private readonly List<ChannelWriter<ServiceEvent>> _watchers = [];
    private volatile ServiceView _view;

    internal ServiceHandle(ServiceScheduler scheduler, ServiceSpec spec)
    {
        _scheduler = scheduler;
        Name = spec.Name;
        _view = new ServiceView(spec, 1, [], Stopped: false);
    }

    public string Name { get; }

    /// <summary>The spec the service runs or rolls to.</summary>
    public ServiceSpec Spec => _view.Spec;

    /// <summary>The version of <see cref="Spec"/>: 1 when deployed, a new one for each update; a rollback goes back to the version it reverts to.</summary>
    public int Version => _view.Version;

    /// <summary>Every instance launched and not ended, of any version.</summary>
    public ImmutableArray<ServiceInstance> Instances => _view.Instances;

    /// <summary>The healthy instances: agent host and host ports by name.</summary>
    public ImmutableArray<ServiceEndpoint> Endpoints =>
        [.. _view.Instances.Where(i => i.Healthy).Select(i => new ServiceEndpoint(i.InstanceId, i.AgentId, i.Host, i.Ports))];

    /// <summary>Whether as many instances of the current version as the spec asks are healthy, and no older one runs.</summary>
    public bool IsHealthy => _view.IsHealthy;

    /// <summary>Completes once <see cref="IsHealthy"/>; throws <see cref="InvalidOperationException"/> if the service is stopped first.</summary>
    public async Task WaitUntilHealthyAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var view = _view;
            if (view.IsHealthy) return;
            if (view.Stopped) throw new InvalidOperationException($"service {Name} was stopped before it was healthy");
            await view.Changed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every status of every instance from now on, until the service stops. Each call is its own reader.</summary>
    public async IAsyncEnumerable<ServiceEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ServiceEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            if (_view.Stopped) yield break;
            _watchers.Add(channel.Writer);
        }
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return e;
        }
        finally
        {
            lock (_gate) _watchers.Remove(channel.Writer);
        }
    }

    /// <summary>Sets the number of instances; scaling down kills the newest first. Completes once the scheduler has taken it.</summary>
    public Task ScaleAsync(int instances, CancellationToken cancellationToken = default) => _scheduler.ScaleAsync(Name, instances, cancellationToken);

    /// <summary>Rolls the service to <paramref name="spec"/> (same name) as its <see cref="ServiceSpec.Update"/> strategy says; completes when the update ends.</summary>
    public Task<ServiceUpdateResult> UpdateAsync(ServiceSpec spec, CancellationToken cancellationToken = default) => _scheduler.UpdateAsync(Name, spec, cancellationToken);

    /// <summary>Kills every instance and ends the service; completes once they have ended.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _scheduler.StopServiceAsync(Name, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The scheduler has stopped: its instances went with it.
        }
    }

    internal void Publish(ServiceSpec spec, int version, ImmutableArray<ServiceInstance> instances, bool stopped = false)
    {
        var previous = _view;
        _view = new ServiceView(spec, version, instances, stopped);
        previous.Changed.TrySetResult();
        if (stopped)
            lock (_gate)
            {
                foreach (var watcher in _watchers) watcher.TryComplete();
                _watchers.Clear();
            }
    }

    internal void Publish(ServiceEvent e)
    {
        lock (_gate)
            foreach (var watcher in _watchers) watcher.TryWrite(e);
    }

    private sealed record ServiceView(ServiceSpec Spec, int Version, ImmutableArray<ServiceInstance> Instances, bool Stopped)
    {
        public TaskCompletionSource Changed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsHealthy => !Stopped && Instances.Count(i => i.Version == Version && i.Healthy) >= Spec.Instances && Instances.All(i => i.Version == Version);
    }
}
