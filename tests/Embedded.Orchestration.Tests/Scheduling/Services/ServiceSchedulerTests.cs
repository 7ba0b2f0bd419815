using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Orchestration.Tests.Scheduling.Services.ServiceTesting;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>
/// The service scheduler end to end on a fake clock, with in-process delegate instances and no health
/// checks (RUNNING is healthy): keep N, back off a crash loop, scale, replace what an unreachable agent ran.
/// </summary>
public sealed class ServiceSchedulerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = EventStream.DefaultGuard;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));

    [Fact]
    public async Task StartAsync_gives_a_healthy_service_with_its_endpoints_and_dispose_stops_it()
    {
        await using var cluster = await StartAsync(output, _time);
        var spec = ServiceSpec.Run("web", Forever()) with { Instances = 3, Ports = 2, PortNames = ["http"] };
        await using (var web = await cluster.Services.StartAsync(spec).WaitAsync(Guard))
        {
            web.IsHealthy.Should().BeTrue();
            web.Instances.Should().HaveCount(3).And.OnlyContain(i => i.State == TaskState.Running && i.Version == 1);
            var endpoints = web.Endpoints;
            endpoints.Should().HaveCount(3);
            endpoints.Should().OnlyContain(e => e.Host == Environment.MachineName && e.AgentId.StartsWith("agent-"));
            endpoints.Should().OnlyContain(e => e.Port("http") >= 31000 && e.Port("http") <= 31999 && e.Port("PORT1") > e.Port("http"));
            endpoints.Select(e => e.Port()).Should().Equal(endpoints.Select(e => e.Port("http")));
            FluentActions.Invoking(() => endpoints[0].Port("grpc")).Should().Throw<ArgumentException>().WithMessage("*no port named 'grpc' (it has http, PORT1)*");
            cluster.Services.Find("web").Should().BeSameAs(web);
            var state = (await cluster.GetStateAsync()).Services.Should().ContainSingle().Subject;
            state.Should().BeEquivalentTo(new { Name = "web", Version = 1, Instances = 3, Healthy = true });
            state.Launched.Select(i => i.InstanceId).Should().Equal(web.Instances.Select(i => i.InstanceId));
        }
        cluster.Services.Find("web").Should().BeNull();
        await cluster.SettleServicesAsync();
        (await cluster.GetStateAsync()).Tasks.Should().BeEmpty();
        (await cluster.GetStateAsync()).Services.Should().BeEmpty();
    }

    [Fact]
    public async Task A_bad_spec_or_a_name_deployed_twice_is_refused()
    {
        await using var cluster = await StartAsync(output, _time);
        await FluentActions.Awaiting(() => cluster.Services.DeployAsync(ServiceSpec.Run("web", Forever()) with { Instances = -2 }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("service 'web': instances must be from 0 to 10000 (it is -2)*");
        await using var web = await cluster.Services.DeployAsync(ServiceSpec.Run("web", Forever()));
        await FluentActions.Awaiting(() => cluster.Services.DeployAsync(ServiceSpec.Run("web", Forever())))
            .Should().ThrowAsync<ArgumentException>().WithMessage("a service named 'web' is deployed already*");
        await FluentActions.Awaiting(() => web.UpdateAsync(ServiceSpec.Run("api", Forever())))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*cannot rename it to 'api'*");
    }

    [Fact]
    public async Task A_crash_loop_backs_off_one_second_times_1_15_per_failure_and_the_backoff_resets_after_a_healthy_while()
    {
        await using var cluster = await StartAsync(output, _time);
        var starts = new Counter();
        var failing = 1;
        TaskDelegate body = async (ctx, ct) =>
        {
            starts.Increment();
            if (Volatile.Read(ref failing) == 1) return 1;
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        };
        await using var web = await cluster.Services.DeployAsync(ServiceSpec.Run("web", body));
        await cluster.UntilAsync(() => starts.Value == 1 && web.Instances.IsEmpty, "the first instance to fail");
        (await cluster.GetStateAsync()).Frameworks.Single(f => f.Name == "embedded-services").Suppressed.Should().BeTrue("it takes no offers while it backs off");

        for (var failures = 1; failures <= 5; failures++)
        {
            var delay = TimeSpan.FromSeconds(Math.Pow(1.15, failures - 1));
            _time.Advance(delay - TimeSpan.FromMilliseconds(1));
            await cluster.SettleServicesAsync();
            starts.Value.Should().Be(failures, $"after failure {failures} the next start waits {delay.TotalSeconds:0.####} s");
            if (failures == 5) Volatile.Write(ref failing, 0);
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await cluster.UntilAsync(() => starts.Value == failures + 1 && (failures == 5 ? web.IsHealthy : web.Instances.IsEmpty), $"start {failures + 1}");
        }

        // Healthy for the policy's ResetAfter (1 min): the next failure waits 1 s again, not 1.15^5 s.
        await cluster.AdvanceServicesAsync(_time, TimeSpan.FromMinutes(1), step: TimeSpan.FromSeconds(15));
        Volatile.Write(ref failing, 1);
        (await cluster.Client.KillTaskAsync(web.Instances.Single().InstanceId)).Should().NotBeNull();
        await cluster.UntilAsync(() => web.Instances.IsEmpty, "the killed instance to end");
        _time.Advance(TimeSpan.FromMilliseconds(999));
        await cluster.SettleServicesAsync();
        starts.Value.Should().Be(6);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await cluster.UntilAsync(() => starts.Value == 7, "the replacement, 1 s after the kill");
    }

    [Fact]
    public async Task Scaling_up_starts_instances_and_scaling_down_kills_the_newest_first()
    {
        await using var cluster = await StartAsync(output, _time);
        await using var web = await cluster.Services.StartAsync(ServiceSpec.Run("web", Forever())).WaitAsync(Guard);
        var first = web.Instances.Single().InstanceId;

        await web.ScaleAsync(4);
        await web.WaitUntilHealthyAsync().WaitAsync(Guard);
        web.Endpoints.Should().HaveCount(4);
        web.Spec.Instances.Should().Be(4);

        await web.ScaleAsync(2);
        await cluster.UntilAsync(() => web.Instances.Length == 2, "two instances to be killed");
        web.Instances.Select(i => i.InstanceId).Should().Equal(first, "web.1.2");
        await cluster.SettleServicesAsync();
        (await cluster.GetStateAsync()).Tasks.Should().HaveCount(2);

        await FluentActions.Awaiting(() => web.ScaleAsync(-1)).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task Watching_a_service_shows_each_instances_statuses_and_ends_when_it_stops()
    {
        await using var cluster = await StartAsync(output, _time);
        var web = await cluster.Services.StartAsync(ServiceSpec.Run("web", Forever())).WaitAsync(Guard);
        var first = web.Instances.Single().InstanceId;
        var events = new List<ServiceEvent>();
        using var guard = new CancellationTokenSource(Guard);
        // The first MoveNextAsync registers the watcher before it waits: nothing after this line is missed.
        var reader = web.WatchAsync(guard.Token).GetAsyncEnumerator(guard.Token);
        var next = reader.MoveNextAsync();
        var watching = Task.Run(async () =>
        {
            while (await next)
            {
                lock (events) events.Add(reader.Current);
                next = reader.MoveNextAsync();
            }
        });
        await web.ScaleAsync(2);
        await cluster.UntilAsync(() => { lock (events) return events.Any(e => e.Status.State == TaskState.Running); }, "the new instance's RUNNING");
        await web.StopAsync();
        await watching.WaitAsync(Guard);

        events.Should().Contain(e => e.InstanceId == "web.1.2" && e.Status.State == TaskState.Running && e.Healthy && e.Version == 1 && e.Service == "web");
        events.Where(e => e.Status.IsTerminal).Select(e => e.InstanceId).Should().BeEquivalentTo([first, "web.1.2"], "stopping kills both");
        events.Where(e => e.Status.IsTerminal).Should().OnlyContain(e => e.Status.State == TaskState.Killed && !e.Healthy);
    }

    [Fact]
    public async Task One_per_agent_and_spread_place_instances_on_distinct_agents_and_zones()
    {
        await using var cluster = await StartAsync(output, _time, configure: o =>
        {
            o.AddAgent("a1", TestCluster.AgentResources).SetAttribute("zone", "a");
            o.AddAgent("a2", TestCluster.AgentResources).SetAttribute("zone", "a");
            o.AddAgent("b1", TestCluster.AgentResources).SetAttribute("zone", "b");
            o.AddAgent("p1", TestCluster.AgentResources).UseProcesses(); // no zone, and no delegate executor: not a place to spread to
        });
        await using var unique = await cluster.Services.DeployAsync(ServiceSpec.Run("unique", Forever()) with
        {
            Instances = 3,
            Constraints = [Constraint.OnePerAgent("unique")],
        });
        await cluster.HealthyAsync(unique, _time);
        unique.Instances.Select(i => i.AgentId).Should().OnlyHaveUniqueItems();

        await using var spread = await cluster.Services.DeployAsync(ServiceSpec.Run("spread", Forever()) with
        {
            Instances = 4,
            Constraints = [Constraint.Spread("zone")],
        });
        await cluster.HealthyAsync(spread, _time);
        spread.Instances.Count(i => i.AgentId == "b1").Should().Be(2, "zone b has one agent and takes half the instances");
    }

    [Fact]
    public async Task An_instance_on_an_unreachable_agent_is_replaced_elsewhere_and_the_surplus_is_killed_when_it_returns()
    {
        await using var cluster = await StartAsync(output, _time);
        await using var web = await cluster.Services.StartAsync(ServiceSpec.Run("web", Forever())).WaitAsync(Guard);
        var lost = web.Instances.Single();
        var other = cluster.Agents.Single(a => a.Id != lost.AgentId).Id;

        cluster.Agent(lost.AgentId).Partition();
        await cluster.AdvanceServicesAsync(_time, TimeSpan.FromSeconds(75), step: TimeSpan.FromSeconds(15));
        await cluster.UntilAsync(() => web.IsHealthy && web.Endpoints.Single().AgentId == other, "a replacement on the other agent");
        web.Instances.Should().HaveCount(2).And.Contain(i => i.InstanceId == lost.InstanceId && i.State == TaskState.Unreachable);

        cluster.Agent(lost.AgentId).Heal();
        await cluster.UntilAsync(() => web.Instances.Length == 1 && web.IsHealthy, "the surplus instance to be killed");
        (await cluster.GetStateAsync()).Tasks.Should().ContainSingle().Which.State.Should().Be(TaskState.Running);
    }
}
