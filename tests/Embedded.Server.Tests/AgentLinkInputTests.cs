using System.Collections.Immutable;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Protocol;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;

namespace Embedded.Server.Tests;

/// <summary>What a broken or hostile peer sends on an agent link ends that link alone: nothing registers, the master keeps serving.</summary>
public sealed class AgentLinkInputTests(ITestOutputHelper output)
{
    public static TheoryData<string, string?> BadFirstMessages => new()
    {
        { "not json at all", null },
        { """{"type":"NoSuchMessage"}""", null },
        { """{"agentId":"x"}""", null },
        { """{"type":"AgentHeartbeat","agentId":"sneaky","from":{"agentId":"sneaky","incarnation":"0123456789abcdef"}}""", "must register the agent" },
    };

    [Theory]
    [MemberData(nameof(BadFirstMessages))]
    public async Task A_bad_first_message_closes_the_link_and_nothing_else_changes(string message, string? reason)
    {
        await using var master = await ClusterApiHost.StartAsync(output);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(new Uri(master.Address.ToString().Replace("http", "ws")), "/api/v1/agents/connect"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        var buffer = new byte[4096];
        WebSocketReceiveResult result;
        do result = await socket.ReceiveAsync(buffer, guard.Token);
        while (result.MessageType != WebSocketMessageType.Close);
        if (reason is not null) socket.CloseStatusDescription.Should().Contain(reason);

        (await master.Cluster.Client.GetAgentsAsync()).Select(a => a.AgentId).Should().Equal("agent-1");
        (await master.Cluster.Jobs.RunAsync(Job.Shell("true"))).State.Should().Be(TaskState.Finished);
    }

    [Fact]
    public async Task A_link_that_speaks_for_another_agent_is_cut_and_the_other_agent_is_untouched()
    {
        await using var master = await ClusterApiHost.StartAsync(output);
        await using var agent = await RemoteAgentHost.StartAsync(output, master.Address, "far-1");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(new Uri(master.Address.ToString().Replace("http", "ws")), "/api/v1/agents/connect"), CancellationToken.None);
        async Task Send(string json) => await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var mallory = AgentAddress.New("mallory");
        await Send(JsonSerializer.Serialize<MasterMessage>(new RegisterAgent("mallory", "h", Resources.Parse("cpus:1;mem:64"),
            ImmutableDictionary<string, string>.Empty, [TaskKind.Command], mallory, [], Reregister: false), WireJsonContext.Default.MasterMessage));
        await Send(JsonSerializer.Serialize<MasterMessage>(new AgentStopping("far-1"), WireJsonContext.Default.MasterMessage));

        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        var buffer = new byte[4096];
        WebSocketReceiveResult result;
        do result = await socket.ReceiveAsync(buffer, guard.Token);
        while (result.MessageType != WebSocketMessageType.Close);
        socket.CloseStatusDescription.Should().Contain("spoke for far-1");

        var agents = await master.Cluster.Client.GetAgentsAsync();
        agents.Should().Contain(a => a.AgentId == "far-1" && a.Reachable);
        agents.Should().Contain(a => a.AgentId == "mallory", "it registered before it lied; its link is gone and it is disconnected");
    }
}
