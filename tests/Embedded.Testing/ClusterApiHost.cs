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
    private readonly Func<int, Task<WebApplication>> _serve;
    private WebApplication? _app;

    private ClusterApiHost(WebApplication app, Func<int, Task<WebApplication>> serve, MiniCluster cluster, Uri address)
    {
        _app = app;
        _serve = serve;
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
        async Task<WebApplication> Serve(int port)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port, l => listen?.Invoke(l)));
            builder.Logging.ClearProviders();
            if (output is not null) builder.Logging.AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Services.AddSingleton(mini.Client);
            var app = builder.Build();
            app.MapClusterApi(api);
            map?.Invoke(app);
            try
            {
                await app.StartAsync();
                return app;
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }

        try
        {
            var app = await Serve(0);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new ClusterApiHost(app, Serve, mini, new Uri(address));
        }
        catch
        {
            await mini.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Stops serving, as a master that went down: its clients' event streams end and their calls find no one at
    /// <see cref="Address"/> until <see cref="ServeAgainAsync"/>. The cluster behind it keeps running.
    /// </summary>
    public async Task StopServingAsync()
    {
        if (_app is not { } app) return;
        _app = null;
        try
        {
            await app.StopAsync();
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>Serves the API again on the same address (the same port), with the same options.</summary>
    public async Task ServeAgainAsync()
    {
        if (_app is not null) throw new InvalidOperationException("the API is served already");
        _app = await _serve(Address.Port);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServingAsync();
        }
        finally
        {
            await Cluster.DisposeAsync();
        }
    }
}
