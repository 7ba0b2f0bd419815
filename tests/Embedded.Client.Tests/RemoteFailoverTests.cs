using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Embedded.Client.Tests;

/// <summary>
/// The remote job scheduler outlives a master that goes down for a while: it subscribes again under its framework id
/// once the master answers, and its jobs carry on. The client's clock is fake, so its retry delays pass when the test says.
/// </summary>
public sealed class RemoteFailoverTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "embedded-remote-failover-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    [LinuxFact]
    public async Task A_job_survives_the_master_going_down_and_coming_back_on_the_same_port_and_the_scheduler_keeps_its_framework()
    {
        Directory.CreateDirectory(_work);
        var release = Path.Combine(_work, "release");
        await using var server = await ClusterApiHost.StartAsync(output, agents: 1, cluster: o =>
        {
            o.Master.WorkDirectory = Path.Combine(_work, "master");
            o.Jobs.Enabled = false;
        });
        var time = new WatchedTimeProvider();
        await using var remote = await RemoteHost.StartAsync(server.Address, output, o => o.Jobs.FrameworkName = "remote-failover",
            services => services.AddSingleton<TimeProvider>(time));
        var frameworkId = remote.JobScheduler.FrameworkId!;
        var job = await remote.Jobs.SubmitAsync(Job.Shell($"while [ ! -e '{release}' ]; do sleep 0.05; done; echo released", "cpus:0.1;mem:32"));
        await job.WaitForStateAsync(TaskState.Running);
        while (time.Timers.TryRead(out _)) { } // The scheduler's own timers, set as it started.

        await server.StopServingAsync();
        // The stream ended; the pump waits out a delay, tries, finds no one, and waits again: it did not give up.
        time.Advance(await NextDelay(time));
        var delay = await NextDelay(time);
        await server.Cluster.RestartMasterAsync();
        await using var watch = server.Cluster.Client.WatchAsync().GetAsyncEnumerator();
        (await NextAsync(watch, e => e is ClusterSubscribed)).Should().Match<ClusterSubscribed>(s => !s.State.Frameworks.Any(f => f.Connected));
        await server.ServeAgainAsync();
        time.Advance(delay);

        var reconnected = await NextAsync(watch, e => e is FrameworkUpdated { Framework.Connected: true } u && u.Framework.FrameworkId == frameworkId);
        ((FrameworkUpdated)reconnected).Framework.Name.Should().Be("remote-failover");
        remote.JobScheduler.FrameworkId.Should().Be(frameworkId);
        await File.WriteAllTextAsync(release, "");
        var result = await job.Completion.WaitAsync(EventStream.DefaultGuard);
        result.State.Should().Be(TaskState.Finished, result.Message);
        result.Stdout.Should().Contain("released");
        var after = await (await remote.Jobs.SubmitAsync(Job.Shell("echo after", "cpus:0.1;mem:32"))).Completion.WaitAsync(EventStream.DefaultGuard);
        after.State.Should().Be(TaskState.Finished, after.Message);
        (await server.Cluster.GetStateAsync()).Frameworks.Should().ContainSingle(f => f.Name == "remote-failover")
            .Which.Should().Match<FrameworkSnapshot>(f => f.FrameworkId == frameworkId && f.Connected);
    }

    private static Task<TimeSpan> NextDelay(WatchedTimeProvider time) => time.Timers.ReadAsync().AsTask().WaitAsync(EventStream.DefaultGuard);

    private static async Task<ClusterEvent> NextAsync(IAsyncEnumerator<ClusterEvent> events, Func<ClusterEvent, bool> match)
    {
        using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
        while (await events.MoveNextAsync().AsTask().WaitAsync(guard.Token))
            if (match(events.Current)) return events.Current;
        throw new InvalidOperationException("the cluster's event stream ended");
    }
}
