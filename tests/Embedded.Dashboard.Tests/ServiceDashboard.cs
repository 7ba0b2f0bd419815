using System.Net;
using Embedded.Orchestration.Hosting;
using Embedded.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Embedded.Dashboard.Tests;

/// <summary>
/// An app's cluster in this process (a <see cref="MiniCluster"/> of two agents) serving MapClusterApi and
/// MapClusterDashboard on a loopback port, so that a test can deploy services through <see cref="MiniCluster.Services"/>
/// and watch them in chromium; all of it ended on dispose.
/// </summary>
public sealed class ServiceDashboard : IAsyncLifetime
{
    private WebApplication? _app;
    private IPlaywright? _playwright;

    public MiniCluster Cluster { get; private set; } = null!;

    public string Url { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await MiniCluster.StartAsync(agents: 2);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Cluster.Client);
        _app = builder.Build();
        _app.MapClusterApi();
        _app.MapClusterDashboard();
        await _app.StartAsync();
        Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        (_playwright, Browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        try
        {
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
        }
        finally
        {
            if (Cluster is not null) await Cluster.DisposeAsync();
        }
    }
}
