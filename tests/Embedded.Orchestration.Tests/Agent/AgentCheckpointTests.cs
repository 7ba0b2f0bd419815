using Embedded.Orchestration.Agent;
using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Tests.Agent;

public sealed class AgentCheckpointTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embedded-checkpoint-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly TaskInfo Task1 = new("t-1", "t", "agent-1", Resources.Parse("cpus:1;mem:64")) { Command = new CommandSpec("sleep 10") };

    private static StatusUpdate Update(TaskState state) =>
        new("t-1", state, TaskReason.None, StatusSource.Agent, "", DateTimeOffset.UnixEpoch) { AgentId = "agent-1", Uuid = Guid.NewGuid() };

    [Fact]
    public void A_checkpointed_task_comes_back_with_its_unacknowledged_updates_in_order()
    {
        var checkpoint = new AgentCheckpoint(_dir);
        checkpoint.SaveTask(new CheckpointedTask("fw", Task1, 1, "process", "/sandbox") { StartedAt = DateTimeOffset.UnixEpoch });
        var starting = Update(TaskState.Starting);
        var running = Update(TaskState.Running);
        var finished = Update(TaskState.Finished);
        checkpoint.AppendUpdate("fw", "t-1", starting);
        checkpoint.AppendUpdate("fw", "t-1", running);
        checkpoint.AppendAcknowledgement("fw", "t-1", starting.Uuid!.Value);
        checkpoint.AppendUpdate("fw", "t-1", finished);

        var recovered = new AgentCheckpoint(_dir).Recover().Should().ContainSingle().Subject;
        recovered.Checkpoint.Should().BeEquivalentTo(new CheckpointedTask("fw", Task1, 1, "process", "/sandbox") { StartedAt = DateTimeOffset.UnixEpoch });
        recovered.PendingUpdates.Select(u => u.Uuid).Should().Equal(running.Uuid, finished.Uuid);
        recovered.LatestUpdate!.State.Should().Be(TaskState.Finished);
    }

    [Fact]
    public void A_line_torn_by_a_crash_is_dropped()
    {
        var checkpoint = new AgentCheckpoint(_dir);
        checkpoint.SaveTask(new CheckpointedTask("fw", Task1, 1, "process", "/sandbox"));
        var running = Update(TaskState.Running);
        checkpoint.AppendUpdate("fw", "t-1", running);
        File.AppendAllText(Path.Combine(_dir, "meta", "tasks", "fw", "t-1", "updates.log"), "U {\"taskId\":\"t-1\",\"sta");

        var recovered = checkpoint.Recover().Should().ContainSingle().Subject;
        recovered.PendingUpdates.Should().ContainSingle().Which.Uuid.Should().Be(running.Uuid);
    }

    [Fact]
    public void A_removed_task_is_not_recovered_and_acknowledgements_of_unknown_updates_change_nothing()
    {
        var checkpoint = new AgentCheckpoint(_dir);
        checkpoint.SaveTask(new CheckpointedTask("fw", Task1, 1, "process", "/sandbox"));
        checkpoint.AppendAcknowledgement("fw", "t-1", Guid.NewGuid());
        checkpoint.Recover().Should().ContainSingle().Which.PendingUpdates.Should().BeEmpty();
        checkpoint.RemoveTask("fw", "t-1");
        checkpoint.Recover().Should().BeEmpty();
        Directory.Exists(Path.Combine(_dir, "meta", "tasks", "fw")).Should().BeFalse();
    }

    [Fact]
    public void Registry_passwords_are_never_written_to_disk()
    {
        var task = new TaskInfo("c-1", "c", "agent-1", Resources.Parse("cpus:1"))
        {
            Container = new ContainerSpec("registry.local/app:1") { Credentials = new RegistryCredentials("me", "s3cret-pa55") },
        };
        new AgentCheckpoint(_dir).SaveTask(new CheckpointedTask("fw", task, 1, "docker", "/sandbox"));

        Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories).Should().NotContain(f => File.ReadAllText(f).Contains("s3cret-pa55"));
        new AgentCheckpoint(_dir).Recover().Single().Checkpoint.Task.Container!.Image.Should().Be("registry.local/app:1");
    }

    [Fact]
    public void An_empty_work_directory_recovers_nothing() => new AgentCheckpoint(_dir).Recover().Should().BeEmpty();
}
