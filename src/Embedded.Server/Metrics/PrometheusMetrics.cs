using Embedded.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Embedded.Server.Metrics;

/// <summary>
/// <c>GET /metrics</c>: the cluster's meter (offers, launches, status updates, allocation cycles…) in
/// Prometheus text, through OpenTelemetry's exporter. A meter provider of its own, so that the one
/// MapClusterApi call is all an app needs; with authentication on, only operators may read it.
/// </summary>
internal static class PrometheusMetrics
{
    private const string MeterName = "Embedded.Orchestration";

    public static void Map(IEndpointRouteBuilder endpoints, Authenticator authenticator, ILogger logger)
    {
        var provider = Sdk.CreateMeterProviderBuilder().AddMeter(MeterName).AddPrometheusExporter().Build();
        endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopped.Register(provider.Dispose);
        endpoints.MapPrometheusScrapingEndpoint("/metrics", provider, branch => branch.Use(async (context, next) =>
        {
            if (await authenticator.AdmitOperatorAsync(context, logger).ConfigureAwait(false)) await next(context).ConfigureAwait(false);
        }), optionsName: null);
    }
}
