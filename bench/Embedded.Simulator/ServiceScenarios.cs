using System.Diagnostics;
using Embedded.Orchestration.Docker;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.Logging;

namespace Embedded.Simulator;

/// <summary>
/// N busybox `httpd` containers as a service, deployed until all are healthy and then rolled to a new
/// spec one at a time (start first), by Embedded's service scheduler and by Docker Swarm on the same
/// engine in the same run. Both wait <c>monitor</c> after each new instance before it counts.
/// </summary>
internal static class ServiceScenarios
{
    private const string Image = "embedded-test/busybox";
    private static readonly string[] Httpd = ["httpd", "-f", "-p", "8080"];

    public static async Task RunAsync(int instances, TimeSpan monitor)
    {
        var (deploy, update) = await EmbeddedAsync(instances, monitor);
        Measure.Line($"Embedded: {instances} containers deployed to healthy in {deploy:F1} s; rolling update (surge 1, none unavailable, {monitor.TotalSeconds:F0} s healthy each) in {update:F1} s");
        await using var swarm = await SwarmRun.StartAsync();
        var swarmDeploy = await swarm.CreateAsync("embedded-bench", instances, Image, Httpd);
        var swarmUpdate = await swarm.UpdateAsync("embedded-bench", monitor);
        Measure.Line($"Swarm:    {instances} containers deployed to running in {swarmDeploy:F1} s; rolling update (parallelism 1, start-first, monitor {monitor.TotalSeconds:F0} s) in {swarmUpdate:F1} s");
        Measure.Line($"Embedded / Swarm: deploy {deploy / swarmDeploy:F2}x the time, update {update / swarmUpdate:F2}x the time");
    }

    private static async Task<(double Deploy, double Update)> EmbeddedAsync(int instances, TimeSpan monitor)
    {
        // EMBEDDED_BENCH_LOG=1 shows what the cluster does (on stderr).
        using var logs = Microsoft.Extensions.Logging.LoggerFactory.Create(b =>
        {
            if (Environment.GetEnvironmentVariable("EMBEDDED_BENCH_LOG") == "1") b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug);
        });
        await using var cluster = await MiniCluster.StartAsync(0, o => o.AddAgent("docker").UseDocker(), loggerFactory: logs);
        var spec = ServiceSpec.Docker("web", Image, Httpd, "cpus:0.01;mem:8") with
        {
            Instances = instances,
            Update = new UpdateStrategy { MaxSurge = 1, MaxUnavailable = 0, MinHealthyTime = monitor },
        };
        var started = Stopwatch.GetTimestamp();
        await using var web = await cluster.Services.StartAsync(spec);
        var deploy = Stopwatch.GetElapsedTime(started).TotalSeconds;
        started = Stopwatch.GetTimestamp();
        var result = await web.UpdateAsync(spec.WithEnvironment("VERSION", "2"));
        var update = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (result.Outcome != ServiceUpdateOutcome.Completed) throw new InvalidOperationException($"the update did not complete: {result}");
        return (deploy, update);
    }
}
