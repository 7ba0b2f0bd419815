using System.Net;
using Embedded.Orchestration.Scheduling;
using Embedded.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Embedded.Simulator;

/// <summary>A Kestrel on a loopback port the system picks, serving MapClusterApi for a cluster of this process.</summary>
internal static class ApiServing
{
    public static async Task<WebApplication> StartAsync(IClusterClient cluster)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(cluster);
        var app = builder.Build();
        app.MapClusterApi();
        await app.StartAsync();
        return app;
    }

    public static Uri Address(WebApplication app) => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
}
