using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Xunit.Abstractions;
using ContainerSpec = Embedded.Orchestration.Model.ContainerSpec;
using Resources = Embedded.Orchestration.Model.Resources;
using TaskState = Embedded.Orchestration.Model.TaskState;

namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>
/// A fault test through the Mesos-style API: a checkpointing framework launches container tasks on
/// one agent, the test breaks something, and afterwards every task the framework launched has ended
/// in a state the framework was told, and no container is left.
/// </summary>
public abstract class RecoveryTest(DockerFixture docker, ITestOutputHelper output) : DockerTest(docker, output)
{
    private readonly List<string> _launched = [];

    /// <summary>A host directory mounted at /signal in every task: a file there tells a waiting task to go on.</summary>
    protected string Signals { get; } = Directory.CreateTempSubdirectory("embedded-signal-").FullName;

    protected override void CleanUp() => Directory.Delete(Signals, recursive: true);

    protected Task<MiniCluster> StartAsync(string agent, TimeProvider time, AgentRecovery recovery = AgentRecovery.Reconnect) =>
        MiniCluster.StartAsync(0, o =>
        {
            o.Jobs.Enabled = false;
            var options = o.AddAgent(agent, "cpus:4;mem:4096;disk:10240;ports:[31000-31999]");
            options.Recovery = recovery;
            options.UseDocker(d => d.AllowHostPath(Signals));
        }, time, Loggers);

    /// <summary>A task that prints "started", waits for /signal/&lt;taskId&gt;, then runs <paramref name="then"/>.</summary>
    protected TaskInfo WaitingTask(string taskId, string then, string resources = "cpus:0.1;mem:32") =>
        Task(taskId, $"echo started; until [ -f /signal/{taskId} ]; do sleep 0.05; done; {then}", resources);

    protected TaskInfo Task(string taskId, string script, string resources = "cpus:0.1;mem:32") =>
        new(taskId, taskId, "", Resources.Parse(resources))
        {
            Container = new ContainerSpec(DockerFixture.TestImage) { Command = ["sh", "-c", script], Volumes = [new VolumeMount(Signals, "/signal")] },
        };

    /// <summary>Launches on the offer; what the offer has left is offered again at once (no refusal filter on a fake clock).</summary>
    protected async Task LaunchAsync(SchedulerSession session, Offer offer, params TaskInfo[] tasks)
    {
        _launched.AddRange(tasks.Select(t => t.TaskId));
        await session.LaunchAsync(offer, tasks, new Filters(0));
    }

    protected Task SignalAsync(string taskId) => File.WriteAllTextAsync(Path.Combine(Signals, taskId), "");

    /// <summary>Waits until the task's output (read through its agent) contains <paramref name="text"/>.</summary>
    protected static Task WaitForOutputAsync(MiniCluster cluster, string agent, string taskId, string text) =>
        EventuallyAsync(async () => (await cluster.Agent(agent).ReadOutputAsync(taskId))?.Stdout.Contains(text, StringComparison.Ordinal) == true,
            $"task {taskId} prints '{text}'");

    /// <summary>The container of a task, as the engine lists it.</summary>
    protected async Task<global::Docker.DotNet.Models.ContainerListResponse> ContainerOfAsync(string agent, string taskId) =>
        (await Docker.ContainersOfAsync(agent)).Single(c => c.Labels["embedded.task"] == taskId);

    /// <summary>The task's sandbox output file on the agent.</summary>
    protected static string SandboxFile(MiniCluster cluster, string agent, string taskId, string name) =>
        Directory.GetFiles(cluster.Agent(agent).WorkDirectory, name, SearchOption.AllDirectories)
            .Single(f => f.Contains($"{Path.DirectorySeparatorChar}{taskId}{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>What a fault test must end with: every launched task told terminal, none left in the master, no container left.</summary>
    protected async Task AssertEveryTaskEndedAsync(MiniCluster cluster, EventStream events, string agent)
    {
        await cluster.SettleAsync();
        await events.Drain();
        var told = events.Seen.OfType<UpdateEvent>().Where(u => u.Status.IsTerminal).Select(u => u.Status.TaskId).ToHashSet(StringComparer.Ordinal);
        _launched.Should().OnlyContain(t => told.Contains(t), "every task the framework launched must end in a state it was told");
        var state = await cluster.GetStateAsync();
        state.Tasks.Should().BeEmpty("no task may be left running");
        await EventuallyAsync(async () => (await Docker.ContainersOfAsync(agent)).Count == 0, "no container of the agent is left");
    }

    /// <summary>The task's first terminal update; the ones before it are passed over.</summary>
    protected static async Task<StatusUpdate> EndOf(EventStream events, string taskId) => (await events.UpdatesUntilTerminal(taskId))[^1];

    protected static void ShouldEnd(StatusUpdate update, TaskState state, TaskReason reason, int? exitCode, string message)
    {
        update.State.Should().Be(state, update.ToString());
        update.Reason.Should().Be(reason, update.ToString());
        update.ExitCode.Should().Be(exitCode, update.ToString());
        update.Message.Should().Contain(message);
    }
}
