using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Master;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Embedded.Orchestration.Transport;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ClusterOrchestrationServiceCollectionExtensions
{
    /// <summary>
    /// Adds an in-process cluster: a master, the agents <paramref name="configure"/> names (one agent
    /// "local" offering this machine when it names none), the built-in job scheduler and the service scheduler, as hosted services. Inject <see cref="IJobClient"/> to run jobs,
    /// <see cref="IServiceClient"/> to keep services running, and
    /// <see cref="IClusterClient"/> for the Mesos-style scheduler API and cluster state.
    /// </summary>
    public static IServiceCollection AddClusterOrchestration(this IServiceCollection services, Action<ClusterOptions>? configure = null)
    {
        var options = services.AddOptions<ClusterOptions>();
        if (configure is not null) options.Configure(configure);
        // One line must give a working cluster: with no agent named, this machine is the agent.
        // Defaults are set here, once, and never by the code that consumes the options.
        options.PostConfigure(o =>
        {
            if (o.Agents.Count == 0 && o.DefaultAgent) o.AddAgent("local");
            foreach (var agent in o.Agents) AgentOptionsDefaults.Apply(agent);
        });
        // Checked once when the host starts (and when a MiniCluster builds its agents): a bad value fails there, naming itself.
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton<DelegateRegistry>();
        services.TryAddSingleton<InProcessTransport>();
        services.TryAddSingleton(sp => new MasterLink(() => new MasterActor(
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Master,
            sp.GetRequiredService<InProcessTransport>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MasterActor>>()), sp.GetRequiredService<InProcessTransport>()));
        services.TryAddSingleton<AgentPool>();
        services.TryAddSingleton<IClusterClient>(sp => new ClusterClient(
            sp.GetRequiredService<MasterLink>(), sp.GetRequiredService<InProcessTransport>(), sp.GetRequiredService<AgentPool>().Find, () => sp.GetService<JobScheduler>(),
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Master.WatcherBufferEvents, () => sp.GetService<ServiceScheduler>()));
        services.TryAddSingleton(sp => new JobScheduler(
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Jobs,
            sp.GetRequiredService<IClusterClient>(),
            sp.GetRequiredService<DelegateRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<JobScheduler>>()));
        services.TryAddSingleton<IJobClient>(sp => sp.GetRequiredService<JobScheduler>());
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
            return new ServiceScheduler(o.Services, o.Services.WorkDirectory ?? o.Master.WorkDirectory, sp.GetRequiredService<IClusterClient>(),
                sp.GetRequiredService<DelegateRegistry>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>());
        });
        services.TryAddSingleton<IServiceClient>(sp => sp.GetRequiredService<ServiceScheduler>());
        services.AddHostedService<MasterService>();
        services.AddHostedService<AgentsService>();
        services.AddHostedService(sp => new JobSchedulerService(
            sp.GetRequiredService<JobScheduler>(), sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Jobs.Enabled, () => sp.GetRequiredService<AgentPool>().ShutDown));
        services.AddHostedService(sp => new ServiceSchedulerService(
            sp.GetRequiredService<ServiceScheduler>(), sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Services,
            sp.GetRequiredService<ILogger<ServiceSchedulerService>>()));
        return services;
    }
}
