using Docker.DotNet;
using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Embedded.Orchestration.Docker.Tests.Unit;

/// <summary>A task whose engine stops answering and never comes back, without an engine: a socket nobody listens on, a fake clock.</summary>
public sealed class LostEngineTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("embedded-lost-engine-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task A_task_whose_engine_never_answers_again_fails_once_the_reconnect_timeout_has_passed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var client = new DockerClientBuilder().WithEndpoint(new Uri("unix://" + Path.Combine(_work, "gone.sock"))).Build();
        var running = new DockerRunningTask(client, "0123456789ab", "embedded-a-t-1", "t", "32 MB",
            Sandbox.OpenOutputFile(_work, Sandbox.StdoutFileName), Sandbox.OpenOutputFile(_work, Sandbox.StderrFileName),
            1024, TimeSpan.FromMinutes(1), time, NullLogger.Instance, _ => { });

        // It waits for the engine on its clock: nothing ends it before the timeout, and nothing may hang after.
        await AdvanceAsync(time, TimeSpan.FromSeconds(50), running);
        running.Completion.IsCompleted.Should().BeFalse("the engine has a minute to come back");
        await AdvanceAsync(time, TimeSpan.FromMinutes(2), running);

        var exit = await running.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        exit.State.Should().Be(TaskState.Failed);
        exit.Reason.Should().Be(TaskReason.ExecutorTerminated);
        exit.Message.Should().Contain("lost the Docker engine while container embedded-a-t-1 ran: it did not answer for 00:01:00");
        await running.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Moves the clock in steps no longer than a retry delay, letting each retry fail and schedule the next (bounded: a hang guard).</summary>
    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by, DockerRunningTask running)
    {
        for (var moved = TimeSpan.Zero; moved < by && !running.Completion.IsCompleted; moved += TimeSpan.FromMilliseconds(100))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2));
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }
}
