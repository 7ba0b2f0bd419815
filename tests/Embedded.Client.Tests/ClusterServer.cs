using System.Net;
using Embedded.Orchestration.Hosting;
using Embedded.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>A real Kestrel on 127.0.0.1 (a port the system picks) serving MapClusterApi for a MiniCluster behind it.</summary>
public sealed class ClusterServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ClusterServer(WebApplication app, MiniCluster cluster, Uri address)
    {
        _app = app;
        Cluster = cluster;
        Address = address;
    }

    public MiniCluster Cluster { get; }
    public Uri Address { get; }

    public static async Task<ClusterServer> StartAsync(ITestOutputHelper output, int agents = 1, Action<ClusterApiOptions>? api = null)
    {
        var cluster = await MiniCluster.StartAsync(agents, loggerFactory: TestOutputLoggerProvider.Factory(output, LogLevel.Information));
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Services.AddSingleton(cluster.Client);
            var app = builder.Build();
            app.MapClusterApi(api);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new ClusterServer(app, cluster, new Uri(address));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        finally
        {
            await Cluster.DisposeAsync();
        }
    }
}
