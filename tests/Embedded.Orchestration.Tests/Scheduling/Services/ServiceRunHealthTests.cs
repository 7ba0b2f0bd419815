using System.Collections.Immutable;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling.Services;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>
/// What the service scheduler makes of the health and readiness its agents report (agents run the
/// checks), as pure code on one service's state: no cluster, the clock passed in.
/// </summary>
public sealed class ServiceRunHealthTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2030-01-01T00:00:00Z");

    private static readonly ServiceSpec Checked = ServiceSpec.Shell("web", "./web") with
    {
        Ports = 2,
        PortNames = ["http", "admin"],
        HealthCheck = HealthCheck.Http("/health") with { PortName = "admin" },
        ReadinessCheck = HealthCheck.Tcp(),
    };

    private static readonly Offer Offer = new("o1", "fw", "agent-1", "host-1", Resources.Parse("cpus:4;mem:4096;ports:[31000-31009]"),
        ImmutableDictionary<string, string>.Empty) { TaskKinds = [TaskKind.Command] };

    private static (ServiceRun Run, TaskInfo Task) Launch(ServiceSpec spec)
    {
        var run = new ServiceRun(spec, new ServiceHandle(null!, spec), (_, _) => null);
        run.Evaluate(Now);
        var remaining = Offer.Resources;
        var task = run.TryLaunch(Offer, ref remaining, Now, (_, _) => false, [Offer]);
        task.Should().NotBeNull();
        return (run, task!);
    }

    private static StatusUpdate Status(string taskId, TaskState state, bool? healthy = null, bool? ready = null, TaskReason reason = TaskReason.None) =>
        new(taskId, state, reason, StatusSource.Executor, "", Now) { AgentId = "agent-1", Healthy = healthy, Ready = ready };

    [Fact]
    public void Instances_are_launched_with_the_specs_checks_and_a_named_port_becomes_its_index_for_the_agent()
    {
        var (run, task) = Launch(Checked);
        task.HealthCheck.Should().Be(Checked.HealthCheck! with { PortName = null, PortIndex = 1 });
        task.ReadinessCheck.Should().Be(Checked.ReadinessCheck);
        run.Snapshot().Single().Ports.Should().Equal(new ServicePort("http", 31000), new ServicePort("admin", 31001));
    }

    [Fact]
    public void A_containers_endpoints_are_named_by_its_port_mappings_and_its_checks_keep_the_mapping_name_for_the_agent()
    {
        var spec = ServiceSpec.Docker("web", "nginx") with
        {
            Container = new ContainerSpec("nginx") { PortMappings = [new PortMapping(80) { Name = "http" }] },
            Ports = 1,
            PortNames = ["metrics"],
            HealthCheck = HealthCheck.Http("/") with { PortName = "http" },
        };
        var offer = Offer with { TaskKinds = [TaskKind.Container] };
        var run = new ServiceRun(spec, new ServiceHandle(null!, spec), (_, _) => null);
        run.Evaluate(Now);
        var remaining = offer.Resources;
        var task = run.TryLaunch(offer, ref remaining, Now, (_, _) => false, [offer])!;
        task.Container!.PortMappings.Should().Equal(new PortMapping(80, 31000) { Name = "http" });
        task.HealthCheck.Should().Be(spec.HealthCheck, "the agent resolves a mapping's name itself");
        run.Snapshot().Single().Ports.Should().Equal(new ServicePort("http", 31000), new ServicePort("metrics", 31001));
        var command = Offer;
        remaining = command.Resources;
        run.Scale(2);
        run.Evaluate(Now);
        run.TryLaunch(command, ref remaining, Now, (_, _) => false, [command]).Should().BeNull("the agent has no container executor");
    }

    [Fact]
    public void An_instance_is_healthy_only_when_running_healthy_and_ready()
    {
        var (run, task) = Launch(Checked);
        bool Healthy(StatusUpdate status)
        {
            run.OnStatus(status, Now, out _).Should().BeTrue();
            run.Evaluate(Now);
            return run.Snapshot().Single().Healthy;
        }

        Healthy(Status(task.TaskId, TaskState.Running)).Should().BeFalse("no check has said anything yet");
        Healthy(Status(task.TaskId, TaskState.Running, healthy: true)).Should().BeFalse("not ready yet");
        Healthy(Status(task.TaskId, TaskState.Running, ready: true, reason: TaskReason.TaskHealthCheckStatusUpdated)).Should().BeTrue();
        Healthy(Status(task.TaskId, TaskState.Running, healthy: false, reason: TaskReason.TaskHealthCheckStatusUpdated)).Should().BeFalse();
        Healthy(Status(task.TaskId, TaskState.Running, healthy: true)).Should().BeTrue("it recovered");
        run.Wanted.Should().Be(0);
    }

    [Fact]
    public void Without_checks_running_is_healthy()
    {
        var (run, task) = Launch(ServiceSpec.Shell("web", "./web"));
        run.OnStatus(Status(task.TaskId, TaskState.Running), Now, out _);
        run.Snapshot().Single().Healthy.Should().BeTrue();
    }

    [Fact]
    public void An_instance_the_agent_killed_as_unhealthy_is_replaced_after_the_backoff()
    {
        var (run, task) = Launch(Checked);
        run.OnStatus(Status(task.TaskId, TaskState.Running, healthy: true, ready: true), Now, out _);
        run.OnStatus(Status(task.TaskId, TaskState.Killed, healthy: false, reason: TaskReason.TaskUnhealthy), Now, out _);
        run.Evaluate(Now);
        run.Snapshot().Should().BeEmpty();
        run.Wanted.Should().Be(1);
        run.NextWake(Now).Should().Be(Now + TimeSpan.FromSeconds(1));
        var remaining = Offer.Resources;
        run.TryLaunch(Offer, ref remaining, Now + TimeSpan.FromMilliseconds(999), (_, _) => false, [Offer]).Should().BeNull("it backs off");
        run.TryLaunch(Offer, ref remaining, Now + TimeSpan.FromSeconds(1), (_, _) => false, [Offer]).Should().NotBeNull();
    }

    [Fact]
    public void During_an_update_an_unhealthy_new_instance_never_lets_an_old_healthy_one_be_killed()
    {
        var spec = Checked with { Instances = 1, ReadinessCheck = null, Update = new UpdateStrategy { MinHealthyTime = TimeSpan.FromSeconds(10) } };
        var (run, old) = Launch(spec);
        run.OnStatus(Status(old.TaskId, TaskState.Running, healthy: true), Now, out _);
        run.Evaluate(Now).Should().BeEmpty();

        run.Update(spec.WithEnvironment("V", "2"), new TaskCompletionSource<ServiceUpdateResult>(), Now);
        run.Evaluate(Now).Should().BeEmpty();
        var remaining = Offer.Resources;
        var fresh = run.TryLaunch(Offer, ref remaining, Now, (_, _) => false, [Offer])!;
        run.OnStatus(Status(fresh.TaskId, TaskState.Running), Now, out _);
        run.Evaluate(Now + TimeSpan.FromMinutes(1)).Should().BeEmpty("the new instance's check has not passed");
        run.OnStatus(Status(fresh.TaskId, TaskState.Running, healthy: true), Now + TimeSpan.FromMinutes(1), out _);
        run.Evaluate(Now + TimeSpan.FromSeconds(69)).Should().BeEmpty("healthy for 9 s only");
        run.Evaluate(Now + TimeSpan.FromSeconds(70)).Should().Equal(old.TaskId);
    }
}
