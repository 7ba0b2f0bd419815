using System.Net;
using Embedded.Orchestration.Hosting;
using Embedded.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Embedded.Testing;

/// <summary>A real Kestrel on 127.0.0.1 (a port the system picks) serving MapClusterApi for a MiniCluster behind it.</summary>
public sealed class ClusterApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ClusterApiHost(WebApplication app, MiniCluster cluster, Uri address)
    {
        _app = app;
        Cluster = cluster;
        Address = address;
    }

    public MiniCluster Cluster { get; }
    public Uri Address { get; }

    /// <summary>
    /// <paramref name="listen"/> configures the loopback endpoint (HTTPS, say); <paramref name="cluster"/> the MiniCluster;
    /// <paramref name="map"/> maps more on the app (the dashboard, say). Without <paramref name="output"/> (a class fixture) nothing is logged.
    /// </summary>
    public static async Task<ClusterApiHost> StartAsync(
        ITestOutputHelper? output, Action<ClusterApiOptions>? api = null, int agents = 1, Action<ClusterOptions>? cluster = null,
        TimeProvider? time = null, Action<ListenOptions>? listen = null, Action<WebApplication>? map = null)
    {
        var mini = await MiniCluster.StartAsync(agents, cluster, time, output is null ? null : TestOutputLoggerProvider.Factory(output, LogLevel.Information));
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => listen?.Invoke(l)));
            builder.Logging.ClearProviders();
            if (output is not null) builder.Logging.AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Services.AddSingleton(mini.Client);
            var app = builder.Build();
            app.MapClusterApi(api);
            map?.Invoke(app);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new ClusterApiHost(app, mini, new Uri(address));
        }
        catch
        {
            await mini.DisposeAsync();
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
