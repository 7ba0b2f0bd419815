using System.Text;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Testing.TestTasks;

namespace Embedded.Orchestration.Tests.Master;

/// <summary>The message call reaches a running in-process task through the master and its agent, in order.</summary>
public sealed class FrameworkMessageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Messages_reach_a_running_delegate_in_order()
    {
        await using var cluster = await TestCluster.StartAsync(output, new FakeTimeProvider(DateTimeOffset.UnixEpoch));
        cluster.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("listen", async (ctx, ct) =>
        {
            for (var i = 0; i < 2; i++)
                await ctx.Stdout.WriteLineAsync(Encoding.UTF8.GetString((await ctx.Messages.ReadAsync(ct)).Span));
            return 0;
        });
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("talker"));
        await using var _ = session;
        var offer = await events.NextOffer();
        await session.LaunchAsync(offer, [Delegate("d", "listen")]);
        await events.NextUpdate("d", TaskState.Running);

        await session.MessageAsync(offer.AgentId, "d", "first"u8.ToArray());
        await session.MessageAsync(offer.AgentId, "d", "second"u8.ToArray());

        var finished = await events.NextUpdate("d", TaskState.Finished);
        finished.Output!.Stdout.Should().Be("first\nsecond\n");
    }

    [Fact]
    public async Task A_delegate_task_can_message_its_framework()
    {
        await using var cluster = await TestCluster.StartAsync(output, new FakeTimeProvider(DateTimeOffset.UnixEpoch));
        cluster.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("report", (ctx, _) =>
        {
            ctx.SendToFramework("progress 50%"u8.ToArray());
            return Task.FromResult(0);
        });
        var (session, events) = await cluster.SubscribeAsync(new FrameworkInfo("listener"));
        await using var _ = session;
        var offer = await events.NextOffer();
        await session.LaunchAsync(offer, [Delegate("r", "report")]);

        var message = await events.Next<MessageEvent>();
        message.TaskId.Should().Be("r");
        message.AgentId.Should().Be(offer.AgentId);
        Encoding.UTF8.GetString(message.Data.Span).Should().Be("progress 50%");
        (await events.NextUpdate("r", TaskState.Finished)).ExitCode.Should().Be(0);
    }
}
