using Embedded.Orchestration.Master;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
/// <paramref name="agentsShutDown"/> is what the agents of this process say once they have stopped. Null for a
/// client of a cluster elsewhere: no agent stops with it, so it kills its jobs and tears its framework down itself.
/// </summary>
internal sealed class JobSchedulerService(JobScheduler scheduler, bool enabled, Func<Task?>? agentsShutDown) : IHostedLifecycleService
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

    public Task StopAsync(CancellationToken cancellationToken) => agentsShutDown is null
        ? scheduler.StopRemoteSchedulerAsync(cancellationToken)
        : scheduler.StopSchedulerAsync(cancellationToken, agentsShutDown());
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The service scheduler's life with its host: starts its loop (the framework subscribes with the first deployment), then deploys the services of <c>AddService</c>
/// and those the work directory kept from an earlier run, each once what it depends on is healthy (in the
/// background: the host does not wait for them). Stopping takes no more launches, then tears the framework down.
/// </summary>
internal sealed partial class ServiceSchedulerService(ServiceScheduler scheduler, ServiceSchedulerOptions options, ILogger<ServiceSchedulerService> logger)
    : IHostedLifecycleService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _startup = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled) return Task.CompletedTask;
        scheduler.StartScheduler();
        var declared = options.Specs.ToList();
        var stored = scheduler.LoadStored().Where(s => !declared.Any(d => d.Name == s.Name)).ToList();
        var all = declared.Concat(stored).ToList();
        if (stored.Count > 0 && ServiceStartup.Problem(all) is { } problem)
        {
            LogStoredDropped(problem);
            all = declared;
        }
        if (all.Count > 0) _startup = DeployAsync(all);
        return Task.CompletedTask;
    }

    private async Task DeployAsync(IReadOnlyList<ServiceSpec> specs)
    {
        try
        {
            await ServiceStartup.RunAsync(specs, async (spec, ct) =>
            {
                var handle = await scheduler.DeployAsync(spec, ct).ConfigureAwait(false);
                await handle.WaitUntilHealthyAsync(ct).ConfigureAwait(false);
            }, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            LogStartupFailed(e);
        }
        catch (Exception)
        {
            // The host stops before its services were all up: nothing to report.
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        scheduler.BeginStopping();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _startup.ConfigureAwait(false);
        await scheduler.StopSchedulerAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Services kept in the work directory are not brought back: {Problem}")]
    private partial void LogStoredDropped(string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Deploying the host's services failed")]
    private partial void LogStartupFailed(Exception exception);
}
