using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Embedded.Client;

public static class RemoteClusterServiceCollectionExtensions
{
    /// <summary>
    /// Registers a remote cluster behind <see cref="IClusterClient"/>, <see cref="IJobClient"/> and <see cref="IServiceClient"/>, the
    /// same interfaces as <c>AddClusterOrchestration</c>'s, so code written against an in-process
    /// cluster runs unchanged against one served by <c>MapClusterApi</c> (or <c>embedded dev</c>).
    /// The job scheduler subscribes as the host starts and stops with it; the service scheduler subscribes with its first deployment.
    /// </summary>
    public static IServiceCollection AddRemoteCluster(this IServiceCollection services, Uri master, Action<RemoteClusterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(master);
        services.AddOptions<RemoteClusterOptions>().Configure(o =>
        {
            o.Master = master;
            configure?.Invoke(o);
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton<DelegateRegistry>();
        services.TryAddSingleton(sp => new RemoteClusterClient(sp.GetRequiredService<IOptions<RemoteClusterOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RemoteClusterClient>>(),
            () => sp.GetService<JobScheduler>()));
        services.TryAddSingleton<IClusterClient>(sp => sp.GetRequiredService<RemoteClusterClient>());
        services.TryAddSingleton(sp => new JobScheduler(
            sp.GetRequiredService<IOptions<RemoteClusterOptions>>().Value.Jobs,
            sp.GetRequiredService<IClusterClient>(),
            sp.GetRequiredService<DelegateRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<JobScheduler>>()));
        services.TryAddSingleton<IJobClient>(sp => sp.GetRequiredService<JobScheduler>());
        services.AddHostedService(sp => new JobSchedulerService(
            sp.GetRequiredService<JobScheduler>(), sp.GetRequiredService<IOptions<RemoteClusterOptions>>().Value.Jobs.Enabled, agentsShutDown: null));
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RemoteClusterOptions>>().Value.Services;
            return new ServiceScheduler(o, o.WorkDirectory, sp.GetRequiredService<IClusterClient>(), sp.GetRequiredService<DelegateRegistry>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>());
        });
        services.TryAddSingleton<IServiceClient>(sp => sp.GetRequiredService<ServiceScheduler>());
        services.AddHostedService(sp => new ServiceSchedulerService(
            sp.GetRequiredService<ServiceScheduler>(), sp.GetRequiredService<IOptions<RemoteClusterOptions>>().Value.Services,
            sp.GetRequiredService<ILogger<ServiceSchedulerService>>()));
        return services;
    }
}
