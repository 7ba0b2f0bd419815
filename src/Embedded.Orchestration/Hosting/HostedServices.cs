using Embedded.Orchestration.Master;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Hosting;

// The generic host starts these in registration order (master, agents, jobs) and stops them in
// reverse. Stopping has two phases. StoppingAsync runs before any hosted service stops, Kestrel
// included: the job scheduler stops taking work and the agents start killing their tasks at once.
// StopAsync then runs after Kestrel has waited for its requests, which by then have their jobs'
// KILLED results: the job scheduler waits until every job has ended, then tears its framework down;
// the agents finish shutting down and leave; the master stops last, so that it routes every update.

internal sealed class MasterService(MasterLink master) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        master.Current.StartMaster();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => master.Current.StopAsync(cancellationToken);
}

internal sealed class AgentsService(AgentPool agents) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => agents.StartAsync(cancellationToken);
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        agents.BeginShutdown();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => agents.StopAsync(cancellationToken);
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The job scheduler's life with its host, for an in-process cluster and a remote one alike;
/// <paramref name="agentsShutDown"/> is what the agents of this process say once they have stopped (null: none here).
/// </summary>
internal sealed class JobSchedulerService(JobScheduler scheduler, bool enabled, Func<Task?> agentsShutDown) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) =>
        enabled ? scheduler.StartSchedulerAsync(cancellationToken) : Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        scheduler.BeginStopping();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => scheduler.StopSchedulerAsync(cancellationToken, agentsShutDown());
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
