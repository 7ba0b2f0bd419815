using Microsoft.Playwright;
using Embedded.Cli.Tests;

namespace Embedded.Dashboard.Tests;

/// <summary>
/// `embedded dev --agents 2 --no-docker` on a free loopback port (with <paramref name="extra"/> options), and a
/// headless chromium to look at it; both ended on dispose, whatever the tests did.
/// </summary>
public abstract class DevDashboard(params string[] extra) : IAsyncLifetime
{
    private CliProcess? _dev;
    private IPlaywright? _playwright;

    public string Url { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        _dev = CliProcess.Start(["dev", "--listen", Url, "--agents", "2", "--no-docker", .. extra]);
        await _dev.WaitForLineAsync(l => l == $"Dashboard: {Url}/");
        (_playwright, Browser) = await Chromium.LaunchAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_dev is not null) await _dev.DisposeAsync();
    }
}

public sealed class OpenDevDashboard() : DevDashboard();
