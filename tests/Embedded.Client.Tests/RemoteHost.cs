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

    private RemoteHost(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();
    public IJobClient Jobs => _host.Services.GetRequiredService<IJobClient>();
    public Embedded.Orchestration.Scheduling.Services.IServiceClient Services => _host.Services.GetRequiredService<Embedded.Orchestration.Scheduling.Services.IServiceClient>();

    public static async Task<RemoteHost> StartAsync(Uri master, ITestOutputHelper output, Action<RemoteClusterOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
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

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(stop.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
