using Embedded.Orchestration.Master;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Hosting;

// The generic host starts these in registration order (master, agents, jobs) and stops them in reverse.

internal sealed class MasterService(MasterLink master) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        master.Current.StartMaster();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => master.Current.StopAsync(cancellationToken);
}

internal sealed class AgentsService(AgentPool agents) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => agents.StartAsync(cancellationToken);
    public Task StopAsync(CancellationToken cancellationToken) => agents.StopAsync(cancellationToken);
}

internal sealed class JobSchedulerService(JobScheduler scheduler, IOptions<ClusterOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.Jobs.Enabled ? scheduler.StartSchedulerAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        options.Value.Jobs.Enabled ? scheduler.StopSchedulerAsync(cancellationToken) : Task.CompletedTask;
}
