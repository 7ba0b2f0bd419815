using System.Collections.Immutable;
using System.Text.Json;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Protocol;

namespace Embedded.Orchestration.Tests.Protocol;

/// <summary>Every record between master and agents is plain data: it survives JSON as a network link would carry it, tagged with its type.</summary>
public sealed class WireJsonTests
{
    private static readonly TaskInfo Task = new("t-1", "build", "agent-1", Resources.Parse("cpus:0.5;mem:128;ports:[31000-31001]"))
    {
        Command = new CommandSpec("make"),
        Labels = ImmutableDictionary<string, string>.Empty.Add("team", "infra"),
    };

    private static readonly AgentMessage[] ToAgents =
    [
        new AgentRegistered("agent-1", TimeSpan.FromSeconds(15)),
        new ReregisterRequested("the master marked agent agent-1 unreachable"),
        new RegisterAnew("removed"),
        new RegistrationRefused("duplicate"),
        new RunTask("fw-1", Task, Checkpoint: true),
        new KillTask("fw-1", "t-1", TimeSpan.FromSeconds(3)),
        new AcknowledgeUpdate("fw-1", "t-1", Guid.NewGuid()),
        new FrameworkMessage("fw-1", "t-1", new byte[] { 1, 2, 3 }),
        new ShutdownFramework("fw-1"),
        new FrameworkResubscribed("fw-1"),
        new ReadTaskOutput(7, "fw-1", "t-1"),
    ];

    private static readonly MasterMessage[] ToMaster =
    [
        new RegisterAgent("agent-1", "host", Resources.Parse("cpus:4;mem:4096"), ImmutableDictionary<string, string>.Empty.Add("os", "linux"),
            [TaskKind.Command, TaskKind.Container], AgentAddress.New("agent-1"), [new ReportedTask("fw-1", Task, TaskState.Running)], Reregister: true),
        new AgentHeartbeat("agent-1", AgentAddress.New("agent-1")),
        new StatusUpdateFromAgent("agent-1", "fw-1", new StatusUpdate("t-1", TaskState.Finished, TaskReason.None, StatusSource.Executor, "done",
            DateTimeOffset.UnixEpoch) { AgentId = "agent-1", Uuid = Guid.NewGuid(), ExitCode = 0, Output = new TaskOutput("out", "err") }),
        new AgentStopping("agent-1"),
        new MessageFromTask("agent-1", "fw-1", "t-1", new byte[] { 9 }),
        new TaskOutputRead("agent-1", 7, new TaskOutput("so far", "")),
    ];

    public static TheoryData<string> AgentMessageTypes => [.. ToAgents.Select(m => m.GetType().Name)];
    public static TheoryData<string> MasterMessageTypes => [.. ToMaster.Select(m => m.GetType().Name)];

    // Payloads compare by content, not by the buffer they live in.
    private static FluentAssertions.Equivalency.EquivalencyAssertionOptions<T> Bytes<T>(FluentAssertions.Equivalency.EquivalencyAssertionOptions<T> o) =>
        o.RespectingRuntimeTypes()
            .Using<ReadOnlyMemory<byte>>(c => c.Subject.ToArray().Should().Equal(c.Expectation.ToArray())).WhenTypeIs<ReadOnlyMemory<byte>>();

    [Theory]
    [MemberData(nameof(AgentMessageTypes))]
    public void What_the_master_sends_an_agent_round_trips(string type)
    {
        var message = ToAgents.Single(m => m.GetType().Name == type);
        var json = JsonSerializer.Serialize(message, WireJsonContext.Default.AgentMessage);
        json.Should().Contain($"\"type\":\"{message.GetType().Name}\"");
        JsonSerializer.Deserialize(json, WireJsonContext.Default.AgentMessage).Should().BeEquivalentTo(message, Bytes);
    }

    [Theory]
    [MemberData(nameof(MasterMessageTypes))]
    public void What_an_agent_sends_the_master_round_trips(string type)
    {
        var message = ToMaster.Single(m => m.GetType().Name == type);
        var json = JsonSerializer.Serialize(message, WireJsonContext.Default.MasterMessage);
        json.Should().Contain($"\"type\":\"{message.GetType().Name}\"");
        JsonSerializer.Deserialize(json, WireJsonContext.Default.MasterMessage).Should().BeEquivalentTo(message, Bytes);
    }
}
