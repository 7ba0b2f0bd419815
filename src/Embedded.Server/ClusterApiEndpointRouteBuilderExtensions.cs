using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Transport;
using Embedded.Server.Agents;
using Embedded.Server.Dashboard;
using Embedded.Server.Http;
using Embedded.Server.Mesos;
using Embedded.Server.Metrics;
using Embedded.Server.Operator;
using Embedded.Server.Security;
using Embedded.Server.Scheduler;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Embedded.Server;

public static class ClusterApiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the app's embedded cluster (its <see cref="IClusterClient"/>) over Mesos's v1 HTTP APIs:
    /// <c>POST /api/v1/scheduler</c> (frameworks), <c>POST /api/v1</c> (operators), <c>GET /state</c>
    /// (also <c>/master/state</c>, <c>/state.json</c>), <c>GET /metrics</c> (Prometheus text), <c>GET /health</c>, a task's
    /// output so far at <c>GET /api/v1/agents/{agent}/frameworks/{framework}/tasks/{task}/output</c>, and
    /// <c>GET /api/v1/agents/connect</c>, where agents of other processes join the master (<c>AddClusterAgent</c>,
    /// <c>embedded agent</c>; with authentication on, as one of <see cref="ClusterApiAuthentication.AgentPrincipals"/>;
    /// not with <see cref="ClusterApiOptions.AcceptAgents"/> off). JSON only. Without
    /// <see cref="ClusterApiOptions.Authentication"/> it serves loopback only; with it every call but
    /// <c>/health</c> must authenticate. For TLS, configure Kestrel's HTTPS; nothing here assumes http.
    /// </summary>
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder endpoints, Action<ClusterApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = new ClusterApiOptions();
        configure?.Invoke(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRequestBodyBytes, 1024, nameof(options.MaxRequestBodyBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SubscriberBufferEvents, 1, nameof(options.SubscriberBufferEvents));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxItemsPerCall, 1, nameof(options.MaxItemsPerCall));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SubscriberStallTimeout, TimeSpan.Zero, nameof(options.SubscriberStallTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.AgentKeepAliveInterval, TimeSpan.Zero, nameof(options.AgentKeepAliveInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.AgentKeepAliveTimeout, TimeSpan.Zero, nameof(options.AgentKeepAliveTimeout));

        // A bad credentials file or token fails here, when the app maps the API, not at the first call.
        var authenticator = new Authenticator(options.Authentication);
        MappedClusterApis.Add(endpoints, authenticator);
        var services = endpoints.ServiceProvider;
        var cluster = services.GetService<IClusterClient>()
            ?? throw new InvalidOperationException("MapClusterApi serves the app's cluster, and there is none: call services.AddClusterOrchestration() first");
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Embedded.Server.ClusterApi");
        Log.Authentication(logger, authenticator.Enabled ? "on (HTTP Basic and/or bearer tokens)" : "off: calls are served on loopback addresses only");
        var stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        var masterId = Guid.NewGuid().ToString();
        var owners = new FrameworkOwners();
        var scheduler = new SchedulerEndpoint(cluster, options, new Subscriptions(), authenticator, owners, masterId, logger, stopping);
        var operatorApi = new OperatorEndpoint(cluster, options, authenticator, logger);

        // Mapped for every method, so that a GET is answered 405 as Mesos does rather than 404.
        endpoints.Map("/api/v1/scheduler", scheduler.HandleAsync);
        endpoints.Map("/api/v1", operatorApi.HandleAsync);
        PrometheusMetrics.Map(endpoints, authenticator, logger);
        // Agents join a master of this process; a client of a cluster elsewhere has none to offer them.
        if (options.AcceptAgents && cluster is ClusterClient local)
            AgentLinkEndpoint.Map(endpoints, new AgentGateway(local.Transport, services.GetRequiredService<ILoggerFactory>().CreateLogger<AgentGateway>()), authenticator, options, logger, stopping);
        endpoints.MapGet(TaskOutputEndpoint.Route, (HttpContext context) => TaskOutputEndpoint.HandleAsync(context, cluster, authenticator, owners, logger));
        endpoints.MapGet("/health", (HttpContext _) => Task.CompletedTask);
        endpoints.MapGet("/master/health", (HttpContext _) => Task.CompletedTask);
        foreach (var path in new[] { "/state", "/master/state", "/state.json", "/master/state.json" })
            endpoints.MapGet(path, async (HttpContext context) =>
            {
                if (!await authenticator.AdmitOperatorAsync(context, logger).ConfigureAwait(false)) return;
                var state = await cluster.GetStateAsync(context.RequestAborted).ConfigureAwait(false);
                await ApiRequest.WriteJsonAsync(context, json => StateJson.Write(json, state, MasterInfo.Of(masterId, context))).ConfigureAwait(false);
            });
        return endpoints;
    }
}
