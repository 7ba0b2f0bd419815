using Embedded.Orchestration.Scheduling;
using Embedded.Server.Dashboard;
using Embedded.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Embedded.Server;

public static class ClusterDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves a live web dashboard of the app's cluster at <c>/</c> and <c>/dashboard</c>: agents and their resources,
    /// roles, frameworks, tasks with their output, a feed of events, and a kill button. Everything comes from this
    /// assembly (no CDN); the page reads <c>GET /api/v1/dashboard/state</c> and the server-sent events of
    /// <c>GET /api/v1/dashboard/events</c>, and reads output and kills through the cluster API, so call
    /// <see cref="ClusterApiEndpointRouteBuilderExtensions.MapClusterApi"/> first: the dashboard admits whom its
    /// operator calls admit (with authentication on, an operator principal; the browser asks for HTTP Basic credentials).
    /// </summary>
    public static IEndpointRouteBuilder MapClusterDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var authenticator = MappedClusterApis.Find(endpoints)
            ?? throw new InvalidOperationException("MapClusterDashboard shows the cluster through its API, which is not mapped here: call MapClusterApi() first, on the same app");
        var services = endpoints.ServiceProvider;
        var cluster = services.GetRequiredService<IClusterClient>();
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Embedded.Server.Dashboard");
        var stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;

        foreach (var path in new[] { "/", "/dashboard" })
            endpoints.MapGet(path, async (HttpContext context) =>
            {
                if (await authenticator.AdmitOperatorAsync(context, logger).ConfigureAwait(false)) await DashboardAssets.WriteAsync(context, "index.html").ConfigureAwait(false);
            });
        foreach (var name in DashboardAssets.Names)
            endpoints.MapGet($"/dashboard/{name}", async (HttpContext context) =>
            {
                if (await authenticator.AdmitOperatorAsync(context, logger).ConfigureAwait(false)) await DashboardAssets.WriteAsync(context, name).ConfigureAwait(false);
            });
        endpoints.MapGet("/api/v1/dashboard/state", async (HttpContext context) =>
        {
            if (!await authenticator.AdmitOperatorAsync(context, logger).ConfigureAwait(false)) return;
            var state = await cluster.GetStateAsync(context.RequestAborted).ConfigureAwait(false);
            context.Response.Headers.CacheControl = "no-store";
            await ApiRequest.WriteJsonAsync(context, json => DashboardJson.WriteState(json, state)).ConfigureAwait(false);
        });
        endpoints.MapGet(DashboardEvents.Route, async (HttpContext context) =>
        {
            if (await authenticator.AdmitOperatorAsync(context, logger).ConfigureAwait(false))
                await DashboardEvents.StreamAsync(context, cluster, time, logger, stopping).ConfigureAwait(false);
        });
        return endpoints;
    }
}
