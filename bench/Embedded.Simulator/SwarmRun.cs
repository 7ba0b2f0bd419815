using System.Diagnostics;

namespace Embedded.Simulator;

/// <summary>Docker Swarm on the same engine, driven as its users drive it (the docker CLI), for side-by-side figures.</summary>
internal sealed class SwarmRun : IAsyncDisposable
{
    private readonly bool _initialised;
    private readonly List<string> _services = [];

    private SwarmRun(bool initialised) => _initialised = initialised;

    /// <summary>Makes this engine a one-node swarm if it is none (and leaves it again on dispose).</summary>
    public static async Task<SwarmRun> StartAsync()
    {
        var (_, state) = await DockerAsync("info", "--format", "{{.Swarm.LocalNodeState}}");
        if (state.Trim() == "active") return new SwarmRun(false);
        var (code, output) = await DockerAsync("swarm", "init", "--advertise-addr", "127.0.0.1");
        if (code != 0) throw new InvalidOperationException($"docker swarm init failed: {output}");
        return new SwarmRun(true);
    }

    /// <summary>Seconds from `docker service create --replicas N` until all N run (the CLI waits for convergence).</summary>
    public async Task<double> CreateAsync(string name, int replicas, string image, params string[] command)
    {
        _services.Add(name);
        var started = Stopwatch.GetTimestamp();
        var (code, output) = await DockerAsync(["service", "create", "--quiet", "--detach=false", "--name", name, "--replicas", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), image, .. command]);
        if (code != 0) throw new InvalidOperationException($"docker service create failed: {output}");
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Seconds for a rolling update (new environment), one at a time, the new task started before the old one stops.</summary>
    public async Task<double> UpdateAsync(string name, TimeSpan monitor)
    {
        var started = Stopwatch.GetTimestamp();
        var (code, output) = await DockerAsync("service", "update", "--quiet", "--detach=false", "--env-add", $"VERSION={Guid.NewGuid():N}",
            "--update-parallelism", "1", "--update-order", "start-first", "--update-delay", "0s", "--update-monitor", $"{monitor.TotalMilliseconds}ms", name);
        if (code != 0) throw new InvalidOperationException($"docker service update failed: {output}");
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services) await DockerAsync("service", "rm", service);
        if (_initialised) await DockerAsync("swarm", "leave", "--force");
    }

    private static async Task<(int Code, string Output)> DockerAsync(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("docker", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
