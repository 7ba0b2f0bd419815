using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Lease;
using Embedded.Orchestration.Master;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Hosting;

/// <summary>The agents the options name: built once, started and stopped together, restarted one at a time.</summary>
internal sealed class AgentPool
{
    private readonly MasterLink _master;
    private readonly DelegateRegistry _delegates;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly Dictionary<string, AgentOptions> _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, AgentActor> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AgentLease> _leases = new(StringComparer.Ordinal);

    public AgentPool(IOptions<ClusterOptions> options, MasterLink master, DelegateRegistry delegates, TimeProvider time, ILoggerFactory loggers)
    {
        _master = master;
        _delegates = delegates;
        _time = time;
        _loggers = loggers;
        var duplicate = options.Value.Agents.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new OptionsValidationException(nameof(ClusterOptions), typeof(ClusterOptions), [$"two agents are named '{duplicate.Key}'"]);
        var invalid = options.Value.Agents.Select(a => a.Validate()).OfType<string>().ToList();
        if (invalid.Count > 0) throw new OptionsValidationException(nameof(ClusterOptions), typeof(ClusterOptions), invalid);
        _options = options.Value.Agents.ToDictionary(a => a.Name, StringComparer.Ordinal);
        foreach (var agent in _options.Values)
        {
            if (agent.Executors.Count == 0) agent.UseProcesses().UseDelegates();
            if (agent.WorkDirectory is null)
            {
                // A directory of its own per cluster, kept across restarts of the agent and removed with the cluster.
                agent.WorkDirectory = Path.Combine(Path.GetTempPath(), "embedded", $"{agent.Name}-{Guid.NewGuid():N}");
                agent.TemporaryWorkDirectory = true;
            }
            _leases[agent.Name] = new AgentLease(agent.WorkDirectory, agent.RecoveryTimeout, agent.TemporaryWorkDirectory, agent.OwnerLease,
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

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var agents = Agents;
        await Task.WhenAll(agents.Select(a => a.StopAgentAsync(cancellationToken))).ConfigureAwait(false);
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
            catch (IOException)
            {
                // Something still writes there; the watchdog removes it when this process ends.
            }
        }
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
        return new AgentActor(options, _master, executors, _time, _loggers.CreateLogger<AgentActor>(), lease);
    }
}
