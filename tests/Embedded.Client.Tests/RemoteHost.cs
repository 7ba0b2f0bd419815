using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>A generic host "elsewhere" whose IClusterClient and IJobClient are a remote cluster's, registered with AddRemoteCluster.</summary>
internal sealed class RemoteHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private RemoteHost(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();
    public IJobClient Jobs => _host.Services.GetRequiredService<IJobClient>();
    public Embedded.Orchestration.Scheduling.Services.IServiceClient Services => _host.Services.GetRequiredService<Embedded.Orchestration.Scheduling.Services.IServiceClient>();
    internal JobScheduler JobScheduler => _host.Services.GetRequiredService<JobScheduler>();

    /// <summary><paramref name="services"/> registers before AddRemoteCluster does (a fake TimeProvider, say).</summary>
    public static async Task<RemoteHost> StartAsync(Uri master, ITestOutputHelper output, Action<RemoteClusterOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
        services?.Invoke(builder.Services);
        builder.Services.AddRemoteCluster(master, configure);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            return new RemoteHost(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Stops the host as its application would end; <see cref="DisposeAsync"/> after it stops nothing more.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        return _host.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            if (!_stopped) await _host.StopAsync(stop.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
