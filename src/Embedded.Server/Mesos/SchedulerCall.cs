using System.Collections.Immutable;
using Embedded.Orchestration.Scheduling;

namespace Embedded.Server.Mesos;

/// <summary>
/// A checked scheduler call, ready to run on its framework's session, with the agent the call named
/// for each task it names (a launch's, a kill's or a reconcile's agent_id).
/// </summary>
internal sealed record SchedulerCall(Func<SchedulerSession, CancellationToken, Task> Run, ImmutableArray<(string TaskId, string AgentId)> Agents)
{
    public SchedulerCall(Func<SchedulerSession, CancellationToken, Task> run) : this(run, []) { }
}
