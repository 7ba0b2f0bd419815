using Embedded.Orchestration.Agent;

namespace Embedded.Orchestration.Docker;

/// <summary>Adds the Docker executor to an agent.</summary>
public static class DockerAgentOptionsExtensions
{
    /// <summary>
    /// Runs the agent's container tasks on a Docker engine. The agent then advertises the engine's
    /// os, arch, cpus and memory (unless its options say otherwise). Each agent has its own engine
    /// endpoint, so one process can drive several engines. An agent with only this executor runs
    /// only containers; add <c>UseProcesses()</c> / <c>UseDelegates()</c> for the rest.
    /// </summary>
    public static AgentOptions UseDocker(this AgentOptions agent, Action<DockerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var options = new DockerOptions();
        configure?.Invoke(options);
        if (options.Validate() is { } error) throw new ArgumentException($"agent {agent.Name}: {error}", nameof(configure));
        agent.Executors.Add(context => new DockerExecutor(options, context.Time, context.LoggerFactory) { Lease = context.Lease });
        return agent;
    }
}
