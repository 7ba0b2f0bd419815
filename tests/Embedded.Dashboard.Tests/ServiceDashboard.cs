using Embedded.Orchestration.Hosting;
using Embedded.Server;
using Microsoft.Playwright;

namespace Embedded.Dashboard.Tests;

/// <summary>
/// An app's cluster in this process (a <see cref="MiniCluster"/> of two agents) serving MapClusterApi and
/// MapClusterDashboard on a loopback port, so that a test can deploy services through <see cref="MiniCluster.Services"/>
/// and watch them in chromium; all of it ended on dispose.
/// </summary>
public sealed class ServiceDashboard : IAsyncLifetime
{
    private ClusterApiHost? _host;
    private IPlaywright? _playwright;

    public MiniCluster Cluster => _host!.Cluster;

    public string Url { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _host = await ClusterApiHost.StartAsync(output: null, agents: 2, map: app => app.MapClusterDashboard());
        Url = _host.Address.ToString().TrimEnd('/');
        (_playwright, Browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_host is not null) await _host.DisposeAsync();
    }
}
