using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Lease;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Hosting;

/// <summary>The agents the options name: built once, started and stopped together, restarted one at a time.</summary>
internal sealed class AgentPool
{
    private readonly InProcessTransport _transport;
    private readonly DelegateRegistry _delegates;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly Dictionary<string, AgentOptions> _options;
    private readonly Lock _gate = new();
    private Task? _shutDown;
    private readonly Dictionary<string, AgentActor> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentLease> _leases = new(StringComparer.Ordinal);

    public AgentPool(IOptions<ClusterOptions> options, InProcessTransport transport, DelegateRegistry delegates, TimeProvider time, ILoggerFactory loggers)
    {
        _transport = transport;
        _delegates = delegates;
        _time = time;
        _loggers = loggers;
        _options = options.Value.Agents.ToDictionary(a => a.Name, StringComparer.Ordinal);
        foreach (var agent in _options.Values)
        {
            _leases[agent.Name] = new AgentLease(agent.WorkDirectory ?? throw new InvalidOperationException($"agent {agent.Name} has no work directory: the cluster options were not post-configured"), agent.RecoveryTimeout, agent.TemporaryWorkDirectory, agent.OwnerLease,
                loggers.CreateLogger<AgentLease>());
            _agents[agent.Name] = Create(agent);
        }
        Names = [.. _options.Keys];
    }

    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<AgentActor> Agents
    {
        get
        {
            lock (_gate) return [.. Names.Select(n => _agents[n])];
        }
    }

    public AgentActor? Find(string name)
    {
        lock (_gate) return _agents.GetValueOrDefault(name);
    }

    public AgentActor Get(string name)
    {
        lock (_gate) return _agents.TryGetValue(name, out var agent) ? agent : throw new ArgumentException($"no agent is named '{name}'", nameof(name));
    }

    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Agents.Select(a => a.StartAgentAsync(cancellationToken)));

    /// <summary>Every agent starts killing its tasks now; <see cref="StopAsync"/> waits for them.</summary>
    public void BeginShutdown()
    {
        lock (_gate) _shutDown ??= Task.WhenAll(Agents.Select(a => a.BeginShutdown()));
    }

    /// <summary>Completes when every agent that runs has killed its tasks and told the master how they ended; null before <see cref="BeginShutdown"/>.</summary>
    public Task? ShutDown
    {
        get
        {
            lock (_gate) return _shutDown;
        }
    }

    /// <summary>
    /// Stops every agent, even when one fails, then removes the work directories the pool made up;
    /// failures are thrown together at the end. A cancelled token cuts the waits short and throws nothing.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var agents = Agents;
        var stops = agents.Select(a => a.StopAgentAsync(cancellationToken)).ToList();
        var failures = new List<Exception>();
        foreach (var stop in stops)
        {
            try
            {
                await stop.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failures.Add(e);
            }
            catch (OperationCanceledException)
            {
                // Out of time: best effort, as documented.
            }
        }
        foreach (var (name, options) in _options)
        {
            if (!options.TemporaryWorkDirectory) continue;
            try
            {
                if (Directory.Exists(options.WorkDirectory)) Directory.Delete(options.WorkDirectory, recursive: true);
                // Gone, and its tasks with it: the watchdog has nothing left to do there.
                // Unless the agent crashed and was never restarted: what it left is still the watchdog's to remove.
                if (options.KillTasksOnShutdown && !agents.Single(a => a.Id == name).Crashed) _leases[name].Release();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Something still writes there; the watchdog removes it when this process ends.
            }
        }
        if (failures.Count > 0) throw new AggregateException("one or more agents failed to stop", failures);
    }

    /// <summary>Tells every agent to register again, with the tasks it runs: the master they knew has been replaced.</summary>
    public void MasterReplaced()
    {
        foreach (var agent in Agents) agent.Post(new ReregisterRequested("the master restarted"));
    }

    /// <summary>Starts a fresh agent with the same options and work directory, which recovers from its checkpoint.</summary>
    public async Task RestartAsync(string name, CancellationToken cancellationToken)
    {
        var fresh = Create(_options.TryGetValue(name, out var options) ? options : throw new ArgumentException($"no agent is named '{name}'", nameof(name)));
        lock (_gate) _agents[name] = fresh;
        await fresh.StartAgentAsync(cancellationToken).ConfigureAwait(false);
    }

    private AgentActor Create(AgentOptions options)
    {
        var lease = _leases[options.Name];
        var context = new ExecutorContext(options.Name, _time, _loggers, _delegates) { WorkDirectory = options.WorkDirectory!, Lease = lease };
        var executors = options.Executors.Select(f => f(context)).ToList();
        return new AgentActor(options, _transport, executors, _time, _loggers.CreateLogger<AgentActor>(), lease);
    }
}
