using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Master;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Hosting;

/// <summary>The agents the options name, built once and started and stopped together.</summary>
internal sealed class AgentPool
{
    public AgentPool(IOptions<ClusterOptions> options, MasterActor master, DelegateRegistry delegates, TimeProvider time, ILoggerFactory loggers)
    {
        var duplicate = options.Value.Agents.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new OptionsValidationException(nameof(ClusterOptions), typeof(ClusterOptions), [$"two agents are named '{duplicate.Key}'"]);
        Agents = [.. options.Value.Agents.Select(o =>
        {
            if (o.Executors.Count == 0) o.UseProcesses().UseDelegates();
            var context = new ExecutorContext(o.Name, time, loggers, delegates);
            var executors = o.Executors.Select(f => f(context)).ToList();
            return new AgentActor(o, master, executors, time, loggers.CreateLogger<AgentActor>());
        })];
    }

    public IReadOnlyList<AgentActor> Agents { get; }

    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Agents.Select(a => a.StartAgentAsync(cancellationToken)));

    public Task StopAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Agents.Select(a => a.StopAgentAsync(cancellationToken)));
}
