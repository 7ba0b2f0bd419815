using System.Collections.Immutable;
using System.Text.Json;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Tests.Model;

/// <summary>The protocol records survive a trip through the source-generated JSON, as a network transport would carry them.</summary>
public sealed class ProtocolJsonTests
{
    private static T RoundTrip<T>(T value)
    {
        var typeInfo = ProtocolJsonContext.Default.GetTypeInfo(typeof(T))!;
        var json = JsonSerializer.Serialize(value, typeInfo);
        return (T)JsonSerializer.Deserialize(json, typeInfo)!;
    }

    [Fact]
    public void A_task_with_a_command_round_trips()
    {
        var task = new TaskInfo("t-1", "build", "agent-1", Resources.Parse("cpus:0.5;mem:128;ports:[31000-31001]"))
        {
            Command = new CommandSpec("make") { Shell = false, Arguments = ["-j", "2"], Environment = ImmutableDictionary<string, string>.Empty.Add("A", "1") },
            Labels = ImmutableDictionary<string, string>.Empty.Add("team", "infra"),
            MaxCompletionTime = TimeSpan.FromMinutes(3),
        };
        var back = RoundTrip(task);
        back.Should().BeEquivalentTo(task);
        back.Resources.Should().Be(task.Resources);
    }

    [Fact]
    public void A_task_with_a_container_round_trips()
    {
        var task = new TaskInfo("web", "web", "agent-2", Resources.Parse("cpus:1;mem:256;ports:[31005-31005]"))
        {
            Container = new ContainerSpec("registry.local/web:1") with
            {
                PortMappings = [new PortMapping(8080, 31005)],
                Volumes = [new VolumeMount("data", "/data", ReadOnly: true)],
                Isolation = ContainerIsolation.HyperV,
                Credentials = new RegistryCredentials("me", "secret"),
            },
        };
        RoundTrip(task).Should().BeEquivalentTo(task);
    }

    [Fact]
    public void Scheduler_events_keep_their_type()
    {
        var offer = new Offer("o-1", "f-1", "agent-1", "host", Resources.Parse("cpus:4;mem:1024"), ImmutableDictionary<string, string>.Empty.Add("os", "linux"));
        SchedulerEvent[] events =
        [
            new SubscribedEvent("f-1", TimeSpan.FromSeconds(15)),
            new OffersEvent([offer]),
            new RescindEvent("o-1"),
            new UpdateEvent(new StatusUpdate("t-1", TaskState.Failed, TaskReason.ContainerLimitationMemory, StatusSource.Executor, "oom", DateTimeOffset.UnixEpoch)
            {
                AgentId = "agent-1", Uuid = Guid.NewGuid(), ExitCode = 137, Output = new TaskOutput("out", "err"),
            }),
            new ErrorEvent("bad"),
            new HeartbeatEvent(),
        ];
        foreach (var e in events)
        {
            var back = RoundTrip(e);
            back.Should().BeOfType(e.GetType());
            if (e is HeartbeatEvent) continue; // nothing but its type to compare
            back.Should().BeEquivalentTo(e, o => o.RespectingRuntimeTypes());
        }
    }

    [Fact]
    public void States_and_reasons_are_written_as_words()
    {
        var json = JsonSerializer.Serialize(
            new StatusUpdate("t", TaskState.Unreachable, TaskReason.AgentRemoved, StatusSource.Master, "", DateTimeOffset.UnixEpoch),
            ProtocolJsonContext.Default.StatusUpdate);
        json.Should().Contain("\"state\":\"Unreachable\"").And.Contain("\"reason\":\"AgentRemoved\"").And.Contain("\"source\":\"Master\"");
    }

    [Fact]
    public void A_launch_operation_round_trips_through_its_base_type()
    {
        OfferOperation launch = new LaunchOperation([new TaskInfo("t", "t", "a", Resources.Parse("cpus:1")) { Delegate = "work" }]);
        RoundTrip(launch).Should().BeOfType<LaunchOperation>().Which.Tasks.Should().ContainSingle().Which.Delegate.Should().Be("work");
    }

    [Fact]
    public void Bad_resources_in_json_give_a_json_error_that_names_the_problem()
    {
        var act = () => JsonSerializer.Deserialize("""{"taskId":"t","name":"t","agentId":"a","resources":"cpus:-1"}""", ProtocolJsonContext.Default.TaskInfo);
        act.Should().Throw<JsonException>().WithMessage("*cpus*");
    }
}
