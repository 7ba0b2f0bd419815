using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;

namespace Embedded.Orchestration.Hosting;

/// <summary>Everything <c>AddClusterOrchestration</c> sets up: the master, the agents and the job scheduler.</summary>
public sealed class ClusterOptions
{
    public MasterOptions Master { get; } = new();
    public List<AgentOptions> Agents { get; } = [];
    public JobSchedulerOptions Jobs { get; } = new();
    public ServiceSchedulerOptions Services { get; } = new();

    /// <summary>
    /// Whether a cluster that names no agent gets one, "local", offering this machine (the default); off for
    /// a master whose agents all join it over the network.
    /// </summary>
    public bool DefaultAgent { get; set; } = true;

    /// <summary>
    /// Adds a named agent. Without executors of its own it runs commands as processes and delegates
    /// in-process. <paramref name="resources"/> as <c>cpus:4;mem:8192;ports:[31000-32000]</c>; null for this machine's.
    /// </summary>
    public AgentOptions AddAgent(string name, string? resources = null)
    {
        var agent = new AgentOptions { Name = name, Resources = resources };
        Agents.Add(agent);
        return agent;
    }

    /// <summary>
    /// Deploys <paramref name="spec"/> when the host starts, once every service it depends on
    /// (<see cref="ServiceSpec.DependsOn"/>) is healthy. A cycle or an unknown dependency fails the start, naming it.
    /// </summary>
    public ClusterOptions AddService(ServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Services.Specs.Add(spec);
        return this;
    }
}
