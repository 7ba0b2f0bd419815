using System.Collections.Concurrent;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.Options;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>Dependency order of the services a host deploys, and the checks that fail its start.</summary>
public sealed class ServiceStartupTests
{
    private static ServiceSpec Spec(string name, params string[] dependsOn) => ServiceSpec.Shell(name, "sleep 1000") with { DependsOn = [.. dependsOn] };

    [Fact]
    public async Task Each_service_is_deployed_only_once_what_it_depends_on_is_healthy()
    {
        var healthy = new ConcurrentDictionary<string, TaskCompletionSource>();
        var deployed = new ConcurrentQueue<string>();
        Task DeployAndWait(ServiceSpec spec, CancellationToken ct)
        {
            deployed.Enqueue(spec.Name);
            return healthy.GetOrAdd(spec.Name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        TaskCompletionSource Gate(string name) => healthy.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        var run = ServiceStartup.RunAsync([Spec("web", "api", "cache"), Spec("api", "db"), Spec("db"), Spec("cache")], DeployAndWait, CancellationToken.None);
        deployed.Should().BeEquivalentTo(["db", "cache"], "those depend on nothing");
        Gate("db").SetResult();
        await WaitFor(() => deployed.Contains("api"));
        deployed.Should().NotContain("web", "web also waits for api and cache");
        Gate("api").SetResult();
        await Task.Yield();
        deployed.Should().NotContain("web", "cache is not healthy yet");
        Gate("cache").SetResult();
        await WaitFor(() => deployed.Contains("web"));
        Gate("web").SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_cycle_an_unknown_dependency_or_a_name_used_twice_is_named()
    {
        ServiceStartup.Problem([Spec("a", "b"), Spec("b", "c"), Spec("c", "a")]).Should().Be("services depend on each other in a cycle: a -> b -> c -> a");
        ServiceStartup.Problem([Spec("a", "nope")]).Should().Be("service 'a' depends on 'nope', which is not a service of this host");
        ServiceStartup.Problem([Spec("a"), Spec("a")]).Should().Be("two services are named 'a'");
        ServiceStartup.Problem([Spec("a", "b"), Spec("b")]).Should().BeNull();
    }

    [Fact]
    public async Task A_host_whose_services_depend_in_a_cycle_does_not_start_and_says_which()
    {
        Func<Task<MiniCluster>> start = () => MiniCluster.StartAsync(1, o => o.AddService(Spec("a", "b")).AddService(Spec("b", "a")));
        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("cycle: a -> b -> a");
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition()) await Task.Delay(1, guard.Token);
    }
}
