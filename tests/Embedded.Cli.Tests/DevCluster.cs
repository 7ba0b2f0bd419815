namespace Embedded.Cli.Tests;

/// <summary>`embedded dev --agents 2` on a free loopback port, started once for the tests that only use it.</summary>
public sealed class DevCluster : IAsyncLifetime
{
    private CliProcess? _dev;

    public string Url { get; private set; } = "";

    internal static async Task<(CliProcess Dev, string Url)> StartAsync(params string[] extra)
    {
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        return (await StartOnAsync(url, ["--agents", "2", .. extra]), url);
    }

    /// <summary>`embedded dev --listen <paramref name="listen"/> extra…`, once it says it serves (and killed if it does not).</summary>
    internal static async Task<CliProcess> StartOnAsync(string listen, params string[] extra)
    {
        var dev = CliProcess.Start(["dev", "--listen", listen, .. extra]);
        try
        {
            await dev.WaitForLineAsync(l => l.StartsWith($"Embedded cluster at {listen}", StringComparison.Ordinal));
            return dev;
        }
        catch
        {
            await dev.DisposeAsync();
            throw;
        }
    }

    public async Task InitializeAsync()
    {
        // No Docker agent: these tests run processes, and an engine check would only slow the start.
        (_dev, Url) = await StartAsync("--no-docker");
    }

    public async Task DisposeAsync()
    {
        if (_dev is not null) await _dev.DisposeAsync();
    }
}
