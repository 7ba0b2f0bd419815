using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Embedded.Testing;

/// <summary>An agent in a host of its own that joins a master over the network link (AddClusterAgent), as `embedded agent` does.</summary>
public sealed class RemoteAgentHost : IAsyncDisposable
{
    private readonly IHost _host;

    private RemoteAgentHost(IHost host) => _host = host;

    /// <summary>Starts the agent and waits until the master has admitted it; throws what the master refused.</summary>
    public static async Task<RemoteAgentHost> StartAsync(ITestOutputHelper output, Uri master, string name, Action<RemoteAgentOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
        builder.Services.AddClusterAgent(o =>
        {
            o.Master = master;
            o.Agent.Name = name;
            o.Agent.Resources = "cpus:2;mem:1024;ports:[32000-32100]";
            // A test sees a broken link mended at once rather than after the default backoff.
            o.MinReconnectDelay = TimeSpan.FromMilliseconds(50);
            configure?.Invoke(o);
        });
        var host = builder.Build();
        try
        {
            using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
            await host.StartAsync(guard.Token);
            return new RemoteAgentHost(host);
        }
        catch
        {
            await StopAsync(host);
            throw;
        }
    }

    /// <summary>Breaks the link as a network failure would; it heals by itself.</summary>
    public void CutLink() => _host.Services.GetServices<IHostedService>().OfType<RemoteAgentService>().Single().Connection.Cut();

    public ValueTask DisposeAsync() => new(StopAsync(_host));

    private static async Task StopAsync(IHost host)
    {
        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        try
        {
            await host.StopAsync(guard.Token);
        }
        finally
        {
            host.Dispose();
        }
    }
}
