using System.Diagnostics;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling.Services;

namespace Embedded.Samples.MiniCluster;

/// <summary>
/// The service scheduler on the demo cluster: three in-process instances spread over the racks, one killed and
/// replaced (after Marathon's 1 s backoff), and a rolling update, each said in one line.
/// </summary>
internal static class ServiceDemo
{
    public static async Task RunAsync(Embedded.Orchestration.Hosting.MiniCluster cluster, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var spec = ServiceSpec.Run("web", async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }, "cpus:0.1;mem:32") with
        {
            Instances = 3,
            Constraints = [Embedded.Orchestration.Scheduling.Constraint.Spread("rack")],
            Update = new UpdateStrategy { MaxSurge = 1, MinHealthyTime = TimeSpan.FromMilliseconds(200), HealthyDeadline = TimeSpan.FromSeconds(30) },
        };
        await using var web = await cluster.Services.StartAsync(spec, cancellationToken);
        Console.WriteLine($"service  web: {web.Endpoints.Length} healthy instances on {string.Join(", ", web.Endpoints.Select(e => e.AgentId))} in {clock.ElapsedMilliseconds} ms");

        var victim = web.Instances[1];
        var before = web.Instances.Select(i => i.InstanceId).ToHashSet();
        clock.Restart();
        await cluster.Client.KillTaskAsync(victim.InstanceId, cancellationToken: cancellationToken);
        while (web.Instances.Any(i => i.InstanceId == victim.InstanceId) || !web.IsHealthy)
            await Task.Delay(10, cancellationToken);
        var replacement = web.Instances.First(i => !before.Contains(i.InstanceId));
        Console.WriteLine($"killed   {victim.InstanceId} on {victim.AgentId}: replaced by {replacement.InstanceId} on {replacement.AgentId} in {clock.ElapsedMilliseconds} ms");

        clock.Restart();
        var result = await web.UpdateAsync(spec.WithEnvironment("VERSION", "2"), cancellationToken);
        Console.WriteLine($"updated  web: {result.Outcome} in {clock.ElapsedMilliseconds} ms, {result.Message}; endpoints {string.Join(", ", web.Endpoints.Select(e => e.InstanceId))}");
    }
}
