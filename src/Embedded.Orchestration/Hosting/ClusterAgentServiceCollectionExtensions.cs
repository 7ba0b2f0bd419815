using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ClusterAgentServiceCollectionExtensions
{
    /// <summary>
    /// Adds an agent that joins the master at <see cref="RemoteAgentOptions.Master"/> over the network (any
    /// app that maps <c>MapClusterApi</c>, or <c>embedded master</c> / <c>embedded dev</c>), as a hosted service.
    /// It runs tasks, checkpoints and recovers as an agent of an in-process cluster does; a broken link is a
    /// partition it heals by reconnecting. Without executors of its own it runs processes and delegates.
    /// </summary>
    public static IServiceCollection AddClusterAgent(this IServiceCollection services, Action<RemoteAgentOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RemoteAgentOptions>().Configure(configure).PostConfigure(o => AgentOptionsDefaults.Apply(o.Agent)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RemoteAgentOptions>, RemoteAgentOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton<DelegateRegistry>();
        services.AddHostedService<RemoteAgentService>();
        return services;
    }
}
