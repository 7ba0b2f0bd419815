using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>Mini clusters on a fake clock for the service scheduler, and waits that let master, agents and scheduler run through.</summary>
internal static class ServiceTesting
{
    public static Task<MiniCluster> StartAsync(ITestOutputHelper output, FakeTimeProvider time, int agents = 2, Action<ClusterOptions>? configure = null) =>
        TestCluster.StartAsync(output, time, agents, configure);

    /// <summary>A delegate that runs until it is killed, counting its starts.</summary>
    public static TaskDelegate Forever(Counter? starts = null) => async (_, ct) =>
    {
        starts?.Increment();
        await Task.Delay(Timeout.Infinite, ct);
        return 0;
    };

    /// <summary>Lets master, agents and the service scheduler handle what is queued, twice.</summary>
    public static async Task SettleServicesAsync(this MiniCluster cluster)
    {
        var scheduler = cluster.ServiceProvider.GetRequiredService<ServiceScheduler>();
        for (var round = 0; round < 2; round++)
        {
            await cluster.SettleAsync();
            await scheduler.FlushAsync().WaitAsync(EventStream.DefaultGuard);
        }
    }

    /// <summary>Settles until <paramref name="condition"/> holds (delegates end on their own threads); throws after the guard.</summary>
    public static async Task UntilAsync(this MiniCluster cluster, Func<bool> condition, string what)
    {
        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        while (true)
        {
            await cluster.SettleServicesAsync();
            if (condition()) return;
            if (guard.IsCancellationRequested) throw new TimeoutException($"waited in vain for {what}");
            await Task.Delay(5);
        }
    }

    /// <summary>Moves the fake clock a second at a time (declined offers come back after their filter) until the service is healthy.</summary>
    public static async Task HealthyAsync(this MiniCluster cluster, ServiceHandle service, FakeTimeProvider time, int seconds = 60)
    {
        for (var i = 0; i < seconds && !service.IsHealthy; i++)
        {
            await cluster.UntilAsync(() => true, "settling");
            if (service.IsHealthy) return;
            time.Advance(TimeSpan.FromSeconds(1));
        }
        await cluster.UntilAsync(() => service.IsHealthy, $"service {service.Name} to be healthy");
    }

    /// <summary>Moves the fake clock in steps, settling the cluster and the service scheduler after each.</summary>
    public static Task AdvanceServicesAsync(this MiniCluster cluster, FakeTimeProvider time, TimeSpan by, TimeSpan? step = null) =>
        cluster.AdvanceAsync(time, by, step ?? TimeSpan.FromSeconds(1), cluster.SettleServicesAsync);
}

internal sealed class Counter
{
    private int _value;
    public int Value => Volatile.Read(ref _value);
    public void Increment() => Interlocked.Increment(ref _value);
}
