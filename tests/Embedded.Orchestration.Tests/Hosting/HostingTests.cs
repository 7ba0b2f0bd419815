using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Embedded.Orchestration.Tests.Hosting;

/// <summary>The generic-host path a Program.cs takes: one line, a working cluster, a clean stop.</summary>
public sealed class HostingTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task One_line_in_Program_cs_gives_a_cluster_that_runs_jobs()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClusterOrchestration();
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(Guard);

        var result = await host.Services.GetRequiredService<IJobClient>().RunAsync(Job.Shell("echo from the host")).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Finished);
        result.Stdout.Should().Be("from the host\n");
        result.AgentId.Should().Be("local", "with no agent named, this machine is the agent");

        var state = await host.Services.GetRequiredService<IClusterClient>().GetStateAsync();
        state.Agents.Should().ContainSingle().Which.Total.Cpus.Value.Should().Be(Environment.ProcessorCount);
        await host.StopAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Named_agents_start_in_order_and_stop_with_the_host_killing_what_runs()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClusterOrchestration(c =>
        {
            c.AddAgent("a", "cpus:1;mem:256").SetAttribute("zone", "x");
            c.AddAgent("b", "cpus:1;mem:256");
        });
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(Guard);
        var jobs = host.Services.GetRequiredService<IJobClient>();
        var handle = await jobs.SubmitAsync(Job.Shell("echo $$; sleep 1000").WithConstraint(Constraint.Equal("zone", "x")));
        await foreach (var update in handle.WatchAsync().WithCancellation(new CancellationTokenSource(Guard).Token))
            if (update.State == TaskState.Running) break;
        string output;
        using (var guard = new CancellationTokenSource(Guard))
            while ((output = (await handle.ReadOutputAsync(guard.Token)).Stdout).Length == 0) await Task.Delay(10, guard.Token);
        var pid = int.Parse(output.Trim());

        await host.StopAsync().WaitAsync(Guard);

        File.Exists($"/proc/{pid}/cmdline").Should().BeFalse("stopping the host kills what its agents run");
        var result = await handle.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Killed, "the caller hears how its job ended: killed as the host stopped");
        result.AgentId.Should().Be("a");
    }

    [LinuxFact]
    public async Task A_stop_whose_token_is_cancelled_throws_nothing_and_still_kills_what_runs()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClusterOrchestration(c => c.AddAgent("a", "cpus:1;mem:256"));
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(Guard);
        var handle = await host.Services.GetRequiredService<IJobClient>().SubmitAsync(Job.Shell("echo $$; exec sleep 1000"));
        var pid = await RunningPidAsync(handle);

        await FluentActions.Awaiting(() => host.StopAsync(new CancellationToken(canceled: true))).Should().NotThrowAsync();

        (await handle.Completion.WaitAsync(Guard)).State.Should().Be(TaskState.Killed);
        // Best effort goes on after the stop returned: the agent still disposes, and so kills, what ran.
        using var guard = new CancellationTokenSource(Guard);
        while (File.Exists($"/proc/{pid}/cmdline")) await Task.Delay(10, guard.Token);
    }

    [Fact]
    public async Task Stopping_goes_on_past_a_part_that_fails_and_reports_the_failures_together()
    {
        var calls = new List<string>();
        var parts = new List<IHostedService> { new Part("master", calls), new Part("agents", calls, fail: true), new Part("jobs", calls) };

        var stop = () => HostedParts.StopAsync(parts, CancellationToken.None);

        (await stop.Should().ThrowAsync<AggregateException>()).Which.InnerExceptions.Should().ContainSingle().Which.Message.Should().Be("agents broke");
        calls.Should().Equal(
            "stopping jobs", "stopping agents", "stopping master",
            "stop jobs", "stop agents", "stop master",
            "stopped jobs", "stopped agents", "stopped master");
    }

    [Fact]
    public async Task A_part_out_of_time_is_no_failure()
    {
        var calls = new List<string>();
        var parts = new List<IHostedService> { new Part("master", calls), new Part("agents", calls, slow: true) };
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await FluentActions.Awaiting(() => HostedParts.StopAsync(parts, cancelled.Token)).Should().NotThrowAsync();
        calls.Should().Contain("stop master", "the parts after one out of time are stopped all the same");
    }

    private static async Task<int> RunningPidAsync(JobHandle handle)
    {
        await foreach (var update in handle.WatchAsync().WithCancellation(new CancellationTokenSource(Guard).Token))
            if (update.State == TaskState.Running) break;
        string output;
        using var guard = new CancellationTokenSource(Guard);
        while ((output = (await handle.ReadOutputAsync(guard.Token)).Stdout).Length == 0) await Task.Delay(10, guard.Token);
        return int.Parse(output.Trim());
    }

    private sealed class Part(string name, List<string> calls, bool fail = false, bool slow = false) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken)
        {
            calls.Add($"stopping {name}");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            calls.Add($"stop {name}");
            if (fail) throw new InvalidOperationException($"{name} broke");
            return slow ? Task.Delay(Timeout.Infinite, cancellationToken) : Task.CompletedTask;
        }

        public Task StoppedAsync(CancellationToken cancellationToken)
        {
            calls.Add($"stopped {name}");
            return Task.CompletedTask;
        }
    }

    [Fact]
    public void Two_agents_with_one_name_are_refused_when_the_cluster_is_built()
    {
        var services = new ServiceCollection();
        services.AddClusterOrchestration(c =>
        {
            c.AddAgent("same");
            c.AddAgent("same");
        });
        using var provider = services.BuildServiceProvider();
        FluentActions.Invoking(() => provider.GetServices<IHostedService>().ToList())
            .Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*two agents are named 'same'*");
    }
}
