using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Scheduling;

/// <summary>A job scheduler whose master never came back within the failover timeout says so to the next caller instead of queueing for ever.</summary>
public sealed class JobSchedulerFailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Once_the_failover_gives_up_a_submission_is_refused_saying_why()
    {
        var time = new WatchedTimeProvider();
        var cluster = new FlakyCluster(failures: 0);
        using var loggers = TestOutputLoggerProvider.Factory(output);
        var scheduler = new JobScheduler(new JobSchedulerOptions { FailoverTimeout = TimeSpan.FromSeconds(20) }, cluster, new DelegateRegistry(), time,
            loggers.CreateLogger<JobScheduler>());
        await scheduler.StartSchedulerAsync(CancellationToken.None);
        try
        {
            (await cluster.Attempts.ReadAsync().AsTask().WaitAsync(Guard)).FrameworkId.Should().BeNull();
            while (time.Timers.TryRead(out _)) { } // The placement check's.
            cluster.FailNext(int.MaxValue);

            cluster.EndStreams();
            var gaveUp = time.Clock.GetUtcNow() + TimeSpan.FromSeconds(20);
            while (true)
            {
                (await cluster.Attempts.ReadAsync().AsTask().WaitAsync(Guard)).FrameworkId.Should().Be("fw-1");
                if (time.Clock.GetUtcNow() >= gaveUp) break;
                time.Advance(await time.Timers.ReadAsync().AsTask().WaitAsync(Guard));
            }

            var refused = await FluentActions.Awaiting(async () =>
            {
                // Until the loop has heard that the pump ended, a job is still taken; the first refusal comes right after.
                while (true) await (await scheduler.SubmitAsync(Job.Shell("true", "cpus:0.1;mem:32"))).Completion.WaitAsync(Guard);
            }).Should().ThrowAsync<InvalidOperationException>();
            refused.Which.Message.Should().Contain("failover timeout");
        }
        finally
        {
            await scheduler.StopSchedulerAsync(CancellationToken.None);
        }
    }
}
