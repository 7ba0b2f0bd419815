using System.Text;
using System.Text.Json;
using Embedded.Orchestration.Model;
using Embedded.Server;
using Embedded.Server.Mesos;

namespace Embedded.Server.Tests;

/// <summary>mesos.proto's HealthCheck in a TaskInfo, its port numbers as port indexes; <c>healthy</c> in TaskStatus.</summary>
public sealed class MesosHealthCheckTests
{
    private const string Resources = """
        "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.5}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001},{"begin":31005,"end":31005}]}}]
        """;

    private static TaskInfo Read(string healthCheck, string? container = null)
    {
        using var doc = JsonDocument.Parse($$"""
            {"name":"web","task_id":{"value":"web-1"},"agent_id":{"value":"agent-1"},{{Resources}},
             "command":{"value":"./serve"},{{(container is null ? "" : $"\"container\":{container},")}}
             "health_check":{{healthCheck}}}
            """);
        return MesosTaskInfos.Read(doc.RootElement, 100);
    }

    [Fact]
    public void An_HTTP_check_maps_its_port_number_to_the_task_port_index_and_keeps_the_times()
    {
        var check = Read("""
            {"type":"HTTP","http":{"scheme":"http","port":31005,"path":"/health","statuses":[204]},
             "delay_seconds":1.5,"interval_seconds":2,"timeout_seconds":3,"consecutive_failures":4,"grace_period_seconds":5}
            """).HealthCheck!;
        check.Should().Be(new HealthCheck
        {
            Kind = HealthCheckKind.Http,
            Path = "/health",
            ExpectedStatus = 204,
            PortIndex = 2, // 31000, 31001, then 31005.
            Delay = TimeSpan.FromSeconds(1.5),
            Interval = TimeSpan.FromSeconds(2),
            Timeout = TimeSpan.FromSeconds(3),
            ConsecutiveFailures = 4,
            GracePeriod = TimeSpan.FromSeconds(5),
        });
    }

    [Fact]
    public void Unset_fields_take_Mesos_defaults()
    {
        Read("""{"type":"TCP","tcp":{"port":31001}}""").HealthCheck.Should().Be(new HealthCheck { Kind = HealthCheckKind.Tcp, PortIndex = 1 });
        Read("""{"type":"HTTP","http":{"port":31000}}""").HealthCheck.Should().Be(new HealthCheck { Kind = HealthCheckKind.Http, Path = "/", PortIndex = 0 });
    }

    [Fact]
    public void A_command_check_and_the_legacy_form_without_a_type()
    {
        Read("""{"type":"COMMAND","command":{"value":"test -f ready"}}""").HealthCheck
            .Should().Be(new HealthCheck { Kind = HealthCheckKind.Command, Command = new CommandSpec("test -f ready") });
        Read("""{"command":{"value":"true"}}""").HealthCheck!.Kind.Should().Be(HealthCheckKind.Command);
        Read("""{"http":{"port":31000}}""").HealthCheck!.Kind.Should().Be(HealthCheckKind.Http);
    }

    [Fact]
    public void A_container_port_maps_to_its_mapping_host_port()
    {
        const string container = """
            {"type":"DOCKER","docker":{"image":"busybox","network":"BRIDGE","port_mappings":[{"host_port":31001,"container_port":8080}]}}
            """;
        Read("""{"type":"HTTP","http":{"port":8080,"path":"/"}}""", container).HealthCheck!.PortIndex.Should().Be(1);
    }

    [Theory]
    [InlineData("""{"type":"HTTP","http":{"port":80}}""", "port 80 is neither one of the task's ports")]
    [InlineData("""{"type":"HTTP","http":{"scheme":"https","port":31000}}""", "scheme https is not supported")]
    [InlineData("""{"type":"HTTP","http":{"port":31000,"statuses":[200,204]}}""", "at most one of statuses")]
    [InlineData("""{"type":"HTTP"}""", "an HTTP check needs 'http'")]
    [InlineData("""{"type":"TCP","tcp":{}}""", "health_check has no port")]
    [InlineData("""{"type":"COMMAND"}""", "a COMMAND check needs 'command'")]
    [InlineData("""{"type":"GRPC","grpc":{"port":31000}}""", "type GRPC is not supported")]
    [InlineData("""{"delay_seconds":1}""", "health_check has no type")]
    [InlineData("""{"type":"TCP","tcp":{"port":31000},"delay_seconds":"soon"}""", "'delay_seconds' must be a finite number")]
    public void Malformed_checks_are_bad_requests(string healthCheck, string message)
    {
        var read = () => Read(healthCheck);
        read.Should().Throw<CallException>().Which.Message.Should().Contain(message);
    }

    [Fact]
    public void Out_of_range_times_are_left_for_the_master_to_refuse()
    {
        var check = Read("""{"type":"TCP","tcp":{"port":31000},"interval_seconds":-1,"timeout_seconds":1e300,"consecutive_failures":0}""").HealthCheck!;
        check.Interval.Should().Be(TimeSpan.FromSeconds(-1));
        check.Timeout.Should().BeGreaterThan(TimeSpan.FromDays(1));
        check.ConsecutiveFailures.Should().Be(0);
    }

    [Fact]
    public void A_status_carries_healthy_once_the_check_said_anything()
    {
        static string Write(StatusUpdate status)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer)) MesosStatuses.Write(json, status);
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        var status = new StatusUpdate("web-1", TaskState.Running, TaskReason.TaskHealthCheckStatusUpdated, StatusSource.Executor,
            "HTTP GET http://127.0.0.1:31005/health: 503", DateTimeOffset.UnixEpoch);
        Write(status).Should().NotContain("healthy");
        var written = Write(status with { Healthy = false });
        written.Should().Contain("\"healthy\":false").And.Contain("\"reason\":\"REASON_TASK_HEALTH_CHECK_STATUS_UPDATED\"");
        Write(status with { Healthy = true }).Should().Contain("\"healthy\":true");
        Write(status with { Ready = true, ExitCode = 0 }).Should()
            .Contain("{\"key\":\"exit_code\",\"value\":\"0\"},{\"key\":\"ready\",\"value\":\"true\"}", "Mesos has no field for readiness: a label carries it");
    }
}
