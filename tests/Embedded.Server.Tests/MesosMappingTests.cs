using System.Text.Json;
using Embedded.Orchestration.Model;
using Embedded.Server.Mesos;

namespace Embedded.Server.Tests;

public sealed class MesosMappingTests
{
    // The TaskStatus.Reason names mesos.proto (v1) defines, of those we could send.
    private static readonly HashSet<string> MesosReasons =
    [
        "REASON_COMMAND_EXECUTOR_FAILED", "REASON_CONTAINER_LAUNCH_FAILED", "REASON_CONTAINER_LIMITATION",
        "REASON_CONTAINER_LIMITATION_MEMORY", "REASON_EXECUTOR_TERMINATED", "REASON_INVALID_OFFERS", "REASON_AGENT_REMOVED",
        "REASON_AGENT_UNKNOWN", "REASON_AGENT_REREGISTERED", "REASON_AGENT_RESTARTED", "REASON_AGENT_DISCONNECTED",
        "REASON_FRAMEWORK_REMOVED", "REASON_MAX_COMPLETION_TIME_REACHED", "REASON_RECONCILIATION", "REASON_RESOURCES_UNKNOWN",
        "REASON_TASK_INVALID", "REASON_TASK_KILLED_DURING_LAUNCH", "REASON_TASK_UNKNOWN", "REASON_TASK_UNAUTHORIZED",
        "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED",
    ];

    [Fact]
    public void Every_reason_maps_to_a_mesos_name_or_is_left_out()
    {
        foreach (var reason in Enum.GetValues<TaskReason>())
        {
            var name = MesosNames.Reason(reason);
            if (reason is TaskReason.None or TaskReason.KilledByUser or TaskReason.PlacementFailed or TaskReason.TaskUnhealthy) name.Should().BeNull(reason.ToString());
            else MesosReasons.Should().Contain(name!, reason.ToString());
        }
        MesosNames.Reason(TaskReason.MaxCompletionTimeReached).Should().Be("REASON_MAX_COMPLETION_TIME_REACHED");
        MesosNames.Reason(TaskReason.ImagePullFailed).Should().Be("REASON_CONTAINER_LAUNCH_FAILED");
        Enum.GetValues<TaskState>().Select(MesosNames.State).Should().OnlyHaveUniqueItems().And.OnlyContain(n => n.StartsWith("TASK_"));
        MesosNames.State(TaskState.GoneByOperator).Should().Be("TASK_GONE_BY_OPERATOR");
        Enum.GetValues<StatusSource>().Select(MesosNames.Source).Should().Equal("SOURCE_MASTER", "SOURCE_AGENT", "SOURCE_EXECUTOR");
    }

    [Fact]
    public void Status_uuid_round_trips_as_padded_base64_of_16_bytes()
    {
        var uuid = Guid.NewGuid();
        var text = MesosStatuses.Uuid(uuid);
        text.Should().HaveLength(24).And.EndWith("==");
        MesosStatuses.ReadUuid(Convert.FromBase64String(text)).Should().Be(uuid);
    }

    [Fact]
    public void A_docker_task_info_becomes_a_container_spec()
    {
        using var doc = JsonDocument.Parse("""
            {"name":"web","task_id":{"value":"web-1"},"agent_id":{"value":"agent-1"},
             "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.5}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31000}]}}],
             "command":{"value":"echo hi","environment":{"variables":[{"name":"A","value":"b"}]}},
             "container":{"type":"DOCKER","docker":{"image":"busybox","network":"BRIDGE","force_pull_image":true,
               "port_mappings":[{"host_port":31000,"container_port":80,"protocol":"tcp"}]},
               "volumes":[{"host_path":"/data","container_path":"/d","mode":"RO"}]},
             "labels":{"labels":[{"key":"team","value":"a"}]},"max_completion_time":{"nanoseconds":5000000000},
             "unknown_field":{"ignored":true},"discovery":null}
            """);
        var task = MesosTaskInfos.Read(doc.RootElement, 100);
        task.Command.Should().BeNull();
        task.Container!.Image.Should().Be("busybox");
        task.Container.Entrypoint.Should().Equal("/bin/sh", "-c");
        task.Container.Command.Should().Equal("echo hi");
        task.Container.Environment.Should().Contain("A", "b");
        task.Container.Network.Should().Be("bridge");
        task.Container.Pull.Should().Be(PullPolicy.Always);
        task.Container.PortMappings.Should().Equal(new PortMapping(80, 31000, "tcp"));
        task.Container.Volumes.Should().Equal(new VolumeMount("/data", "/d", ReadOnly: true));
        task.Resources.Should().Be(Resources.Parse("cpus:0.5;ports:[31000-31000]"));
        task.Labels.Should().Contain("team", "a");
        task.MaxCompletionTime.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void An_argv_command_drops_argv0_into_the_program()
    {
        using var doc = JsonDocument.Parse("""{"task_id":{"value":"t"},"agent_id":{"value":"a"},"command":{"shell":false,"value":"/bin/echo","arguments":["echo","a","b"]}}""");
        var task = MesosTaskInfos.Read(doc.RootElement, 100);
        task.Command!.Shell.Should().BeFalse();
        task.Command.Value.Should().Be("/bin/echo");
        task.Command.Arguments.Should().Equal("a", "b");
    }

    [Fact]
    public void A_docker_task_without_a_shell_replaces_entrypoint_and_command()
    {
        using var doc = JsonDocument.Parse("""{"task_id":{"value":"t"},"agent_id":{"value":"a"},"command":{"shell":false,"value":"/bin/echo","arguments":["a","b"]},"container":{"type":"DOCKER","docker":{"image":"busybox"}}}""");
        var container = MesosTaskInfos.Read(doc.RootElement, 100).Container!;
        container.Entrypoint.Should().Equal("/bin/echo");
        container.Command.Should().Equal("a", "b");

        using var image = JsonDocument.Parse("""{"task_id":{"value":"t"},"agent_id":{"value":"a"},"container":{"docker":{"image":"busybox"}}}""");
        var defaults = MesosTaskInfos.Read(image.RootElement, 100).Container!;
        (defaults.Entrypoint, defaults.Command).Should().Be((null, null), "without a command the image's own run");
    }
}
