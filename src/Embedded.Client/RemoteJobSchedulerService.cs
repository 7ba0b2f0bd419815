using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Embedded.Client;

/// <summary>Subscribes the remote job scheduler as the host starts; as it stops, waits for the jobs to end, then tears down.</summary>
internal sealed class RemoteJobSchedulerService(JobScheduler scheduler, IOptions<RemoteClusterOptions> options) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.Jobs.Enabled ? scheduler.StartSchedulerAsync(cancellationToken) : Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        scheduler.BeginStopping();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => scheduler.StopSchedulerAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
