using System.Diagnostics;
using Docker.DotNet;

namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>
/// Stops and starts the local dockerd as scripts/setup.sh starts it, for the tests of daemon restarts.
/// Only a root test run against the default local socket, with dockerd's pid file, may do this.
/// </summary>
public static class DockerDaemon
{
    private const string PidFile = "/var/run/docker.pid";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    /// <summary>Why this run cannot restart the engine, or null.</summary>
    public static string? WhyNot { get; } = Probe();

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "restarting dockerd is tested on Linux only";
        if (DockerEngine.Endpoint != new Uri("unix:///var/run/docker.sock")) return $"the engine at {DockerEngine.Endpoint} is not the local dockerd";
        if (Environment.UserName != "root") return "restarting dockerd needs root";
        if (!File.Exists(PidFile)) return $"{PidFile} does not exist: dockerd is not running here, or not as scripts/setup.sh starts it";
        return Executables.Find("dockerd") is null ? "dockerd is not on PATH" : null;
    }

    /// <summary>Stops dockerd (SIGTERM to the pid in its pid file, as an operator's restart would) and waits until it has exited.</summary>
    public static async Task StopAsync()
    {
        var pid = int.Parse((await File.ReadAllTextAsync(PidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await Processes.RunAsync("kill", "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var guard = new CancellationTokenSource(Guard);
        while (Directory.Exists($"/proc/{pid}"))
        {
            if (guard.IsCancellationRequested) throw new TimeoutException($"dockerd (pid {pid}) did not exit within {Guard} of SIGTERM");
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
    }

    /// <summary>Stops dockerd and starts it again, with <c>--live-restore</c> (containers outlive the daemon) or as scripts/setup.sh does.</summary>
    public static async Task RestartAsync(bool liveRestore)
    {
        await StopAsync();
        await StartAsync(liveRestore);
    }

    /// <summary>
    /// Leaves the engine as scripts/setup.sh starts it, whatever a test did: started if it is down,
    /// restarted if it runs with live-restore.
    /// </summary>
    public static async Task RestoreAsync()
    {
        if (!await AnswersAsync())
        {
            await StartAsync(liveRestore: false);
            return;
        }
        using var client = new DockerClientBuilder().WithEndpoint(DockerEngine.Endpoint).Build();
        if ((await client.System.GetSystemInfoAsync()).LiveRestoreEnabled) await RestartAsync(liveRestore: false);
    }

    private static async Task StartAsync(bool liveRestore)
    {
        // Its own session, so that it outlives the test host.
        var flags = liveRestore ? " --live-restore" : "";
        await Processes.RunAsync("bash", "-c", $"setsid nohup dockerd{flags} >/var/log/embedded-dockerd.log 2>&1 </dev/null &");
        using var guard = new CancellationTokenSource(Guard);
        while (!await AnswersAsync())
        {
            if (guard.IsCancellationRequested) throw new TimeoutException($"dockerd did not answer within {Guard} of starting; see /var/log/embedded-dockerd.log");
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
    }

    private static async Task<bool> AnswersAsync()
    {
        using var client = new DockerClientBuilder().WithEndpoint(DockerEngine.Endpoint).WithTimeout(TimeSpan.FromSeconds(5)).Build();
        try
        {
            await client.System.PingAsync();
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or DockerApiException or TimeoutException or TaskCanceledException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}

/// <summary>A test that restarts the local engine: skipped where that is not possible (see <see cref="DockerDaemon.WhyNot"/>).</summary>
public sealed class DockerRestartFactAttribute : FactAttribute
{
    public DockerRestartFactAttribute() => Skip = DockerEngine.WhySkip ?? DockerDaemon.WhyNot;
}

/// <summary>Tests that stop the engine run alone: every other Docker test would see it vanish.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DockerDaemonCollection
{
    public const string Name = "docker daemon restarts";
}
