using Embedded.Orchestration.Agent;

namespace Embedded.Orchestration.Hosting;

/// <summary>An agent's defaults, set once before it is built, for agents of an in-process cluster and remote ones alike.</summary>
internal static class AgentOptionsDefaults
{
    public static void Apply(AgentOptions agent)
    {
        if (agent.Executors.Count == 0) agent.UseProcesses().UseDelegates();
        if (agent.WorkDirectory is null)
        {
            // A directory of its own per host, kept across restarts of the agent and removed with the host.
            agent.WorkDirectory = Path.Combine(Path.GetTempPath(), "embedded", $"{agent.Name}-{Guid.NewGuid():N}");
            agent.TemporaryWorkDirectory = true;
        }
    }
}
