using Embedded.Orchestration.Master;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>A launch with a check that cannot work is refused with TASK_ERROR and a message that says why; the rest of the launch goes on.</summary>
public sealed class HealthCheckValidationTests(ITestOutputHelper output)
{
    private static readonly TaskInfo WithPort = Shell("t", "sleep 1", resources: "cpus:0.1;mem:32;ports:[31000-31001]");

    public static TheoryData<string, HealthCheck, string> BadChecks => new()
    {
        { "negative delay", HealthCheck.Tcp() with { Delay = TimeSpan.FromSeconds(-1) }, "health check's delay (-00:00:01) must be zero or more" },
        { "zero interval", HealthCheck.Tcp() with { Interval = TimeSpan.Zero }, "health check's interval (00:00:00) must be positive" },
        { "negative timeout", HealthCheck.Tcp() with { Timeout = TimeSpan.FromSeconds(-5) }, "health check's timeout (-00:00:05) must be positive" },
        { "negative grace", HealthCheck.Tcp() with { GracePeriod = TimeSpan.FromSeconds(-5) }, "grace period (-00:00:05) must be zero or more" },
        { "huge interval", HealthCheck.Tcp() with { Interval = TimeSpan.FromDays(400) }, "interval (400.00:00:00) must be at most 24 hours" },
        { "no failures", HealthCheck.Tcp() with { ConsecutiveFailures = 0 }, "consecutive failures (0) must be at least 1" },
        { "port index beyond", HealthCheck.Http("/", portIndex: 2), "port index 2 is beyond the task's 2 ports (PORT0..PORT1)" },
        { "negative port index", HealthCheck.Tcp(-1), "port index -1 is beyond" },
        { "unknown port name", HealthCheck.Tcp() with { PortName = "admin" }, "names port 'admin', which no port mapping of the task's container has" },
        { "command without command", new HealthCheck { Kind = HealthCheckKind.Command }, "command check with no command" },
        { "empty command", HealthCheck.Shell(" "), "command check with no command" },
        { "relative path", HealthCheck.Http("health"), "path 'health' must start with '/'" },
        { "bad status", HealthCheck.Http() with { ExpectedStatus = 42 }, "expected status 42 is not an HTTP status" },
        { "bad kind", HealthCheck.Tcp() with { Kind = (HealthCheckKind)7 }, "kind 7 is not Http, Tcp or Command" },
    };

    [Theory]
    [MemberData(nameof(BadChecks))]
    public void A_bad_check_is_refused_with_a_clear_message(string what, HealthCheck check, string message)
    {
        TaskValidation.Validate(WithPort with { HealthCheck = check }).Should().Contain(message, what);
        TaskValidation.Validate(WithPort with { ReadinessCheck = check }).Should().Contain(message.Replace("health check", "readiness check"), what);
    }

    [Fact]
    public void Http_and_Tcp_need_a_port()
    {
        TaskValidation.Validate(Shell("t", "sleep 1") with { HealthCheck = HealthCheck.Http() })
            .Should().Be("the health check probes a port, but the task has no ports");
        TaskValidation.Validate(Shell("t", "sleep 1") with { HealthCheck = HealthCheck.Shell("true") }).Should().BeNull("a command needs no port");
    }

    [Fact]
    public void Good_checks_pass()
    {
        TaskValidation.Validate(WithPort with { HealthCheck = HealthCheck.Http("/health", 1), ReadinessCheck = HealthCheck.Tcp() }).Should().BeNull();
        var container = new TaskInfo("c", "c", "", Resources.Parse("cpus:0.1;mem:32;ports:[31005-31005]"))
        {
            Container = new ContainerSpec("busybox") { PortMappings = [new PortMapping(80, 31005) { Name = "web" }] },
            HealthCheck = HealthCheck.Http() with { PortName = "web" },
        };
        TaskValidation.Validate(container).Should().BeNull();
    }

    [LinuxFact]
    public async Task A_launch_with_a_bad_check_ends_TASK_ERROR_and_the_rest_of_the_launch_runs()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        await using var cluster = await TestCluster.StartAsync(output, time);
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("fw"));
        await using var _ = session;
        var offer = await events.NextOffer();

        await session.Launch(offer,
            Shell("bad", "sleep 1000", resources: "cpus:0.1;mem:32;ports:[31000-31000]") with { HealthCheck = HealthCheck.Tcp(portIndex: 3) },
            Shell("good", "exit 0"));

        var error = await events.NextUpdate("bad");
        error.State.Should().Be(TaskState.Error);
        error.Reason.Should().Be(TaskReason.TaskInvalid);
        error.Source.Should().Be(StatusSource.Master);
        error.Message.Should().Contain("the health check's port index 3 is beyond the task's 1 port (PORT0)");
        (await events.NextUpdate("good", TaskState.Finished)).ExitCode.Should().Be(0);
        (await cluster.GetStateAsync()).Tasks.Should().NotContain(t => t.TaskId == "bad");
    }
}
