using Embedded.Orchestration.Master;

namespace Embedded.Orchestration.Scheduling;

/// <summary>How a <see cref="SchedulerSession"/> reaches its master: in process, or over the Mesos HTTP API.</summary>
internal interface ISchedulerLink
{
    /// <summary>Completes once the master has taken the call; throws with why it refused it.</summary>
    Task CallAsync(FrameworkCall call, CancellationToken cancellationToken);

    /// <summary>Leaves the framework registered, so it can fail over within its failover timeout.</summary>
    void Disconnect();
}
