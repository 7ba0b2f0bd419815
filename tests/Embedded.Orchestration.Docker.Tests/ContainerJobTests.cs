using System.Collections.Immutable;
using System.Net.Http;
using ContainerRemoveParameters = Docker.DotNet.Models.ContainerRemoveParameters;
using Embedded.Orchestration.Docker.Tests.Support;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Docker.Tests;

/// <summary>Container jobs end to end: a MiniCluster whose agent runs them on the real engine.</summary>
public sealed class ContainerJobTests(DockerFixture docker, ITestOutputHelper output) : DockerTest(docker, output), IClassFixture<DockerFixture>
{
    [DockerFact]
    public async Task A_container_runs_to_completion_and_its_output_comes_back()
    {
        var agent = NewAgent("echo");
        await using var cluster = await StartClusterAsync(agent);
        var result = await cluster.Jobs.RunAsync(Sh("echo hello; echo oops >&2")).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Finished, result.ToString());
        result.ExitCode.Should().Be(0);
        result.Stdout.Should().Be("hello\n");
        result.Stderr.Should().Be("oops\n");
        result.AgentId.Should().Be(agent);

        // The sandbox keeps the whole output as files, as for process tasks.
        var sandbox = Directory.GetDirectories(cluster.Agent(agent).WorkDirectory, "1", SearchOption.AllDirectories).Single();
        (await File.ReadAllTextAsync(Path.Combine(sandbox, "stdout"))).Should().Be("hello\n");
        (await File.ReadAllTextAsync(Path.Combine(sandbox, "stderr"))).Should().Be("oops\n");
    }

    [DockerFact]
    public async Task A_non_zero_exit_fails_the_task_with_its_exit_code()
    {
        var agent = NewAgent("exit");
        await using var cluster = await StartClusterAsync(agent);
        var result = await cluster.Jobs.RunAsync(Sh("echo trying; exit 3")).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Failed);
        result.Reason.Should().Be(TaskReason.None);
        result.ExitCode.Should().Be(3);
        result.Message.Should().Contain("exited with code 3");
        result.Stdout.Should().Be("trying\n");
    }

    [DockerFact]
    public async Task Output_can_be_read_while_the_container_runs()
    {
        var agent = NewAgent("tail");
        await using var cluster = await StartClusterAsync(agent);
        var handle = await cluster.Jobs.SubmitAsync(Sh("echo first; while true; do sleep 1; done") with { KillGracePeriod = TimeSpan.Zero });
        var running = await WaitForStateAsync(handle, TaskState.Running);

        await EventuallyAsync(async () => (await cluster.Agent(agent).ReadOutputAsync(running.TaskId))?.Stdout == "first\n", "the running task's output shows");
        var sandbox = Directory.GetDirectories(cluster.Agent(agent).WorkDirectory, "1", SearchOption.AllDirectories).Single();
        (await File.ReadAllTextAsync(Path.Combine(sandbox, "stdout"))).Should().Be("first\n");

        await handle.CancelAsync();
        (await handle.Completion.WaitAsync(Guard)).State.Should().Be(TaskState.Killed);
    }

    [DockerFact]
    public async Task Environment_working_directory_and_user_reach_the_container()
    {
        var agent = NewAgent("env");
        await using var cluster = await StartClusterAsync(agent);
        var job = Sh("echo $GREETING $EMBEDDED_TASK_ID $EMBEDDED_AGENT_ID; pwd; id -u") with { Id = "env-job" };
        job = job.WithEnvironment("GREETING", "hi") with { Container = job.Container! with { WorkingDirectory = "/tmp", User = "nobody" } };
        var result = await cluster.Jobs.RunAsync(job).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Finished, result.ToString());
        result.Stdout.Should().Be($"hi env-job.1 {agent}\n/tmp\n65534\n");
    }

    [DockerFact]
    public async Task Cancelling_a_container_that_handles_SIGTERM_ends_it_within_its_grace_period()
    {
        var agent = NewAgent("term");
        await using var cluster = await StartClusterAsync(agent);

        // A grace period far longer than the guard: the test passes only if SIGTERM ended the container.
        var handle = await cluster.Jobs.SubmitAsync(Sh("trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 1; done")
            with { KillGracePeriod = TimeSpan.FromMinutes(10) });
        var running = await WaitForStateAsync(handle, TaskState.Running);
        await EventuallyAsync(async () => (await cluster.Agent(agent).ReadOutputAsync(running.TaskId))?.Stdout == "ready\n", "the trap is set");

        await handle.CancelAsync();
        var result = await handle.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Killed);
        result.Reason.Should().Be(TaskReason.KilledByUser);
        result.Stdout.Should().Be("ready\nbye\n");
    }

    [DockerFact]
    public async Task A_job_that_outlives_its_timeout_fails_with_MaxCompletionTimeReached()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var agent = NewAgent("timeout");
        await using var cluster = await StartClusterAsync(agent, time: time);
        var handle = await cluster.Jobs.SubmitAsync(Sh("sleep 300") with { Timeout = TimeSpan.FromMinutes(1), KillGracePeriod = TimeSpan.Zero });
        await WaitForStateAsync(handle, TaskState.Running);

        time.Advance(TimeSpan.FromMinutes(1));
        var result = await handle.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Failed);
        result.Reason.Should().Be(TaskReason.MaxCompletionTimeReached);
    }

    [DockerFact]
    public async Task A_container_that_exceeds_its_memory_fails_with_ContainerLimitationMemory()
    {
        var agent = NewAgent("oom");
        await using var cluster = await StartClusterAsync(agent);
        var result = await cluster.Jobs.RunAsync(Sh("x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived", "cpus:0.5;mem:16")).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Failed, result.ToString());
        result.Reason.Should().Be(TaskReason.ContainerLimitationMemory);
        result.Message.Should().Contain("memory limit of 16 MB");
        result.Stdout.Should().NotContain("survived");
    }

    [DockerFact]
    public async Task A_mapped_port_is_reachable_from_the_host_on_the_port_from_the_offer()
    {
        var agent = NewAgent("port");
        await using var cluster = await StartClusterAsync(agent, resources: "cpus:2;mem:1024;disk:1024;ports:[31500-31510]");
        var job = Sh("echo served-by-embedded > /www/index.html; exec httpd -f -p 8080 -h /www") with { KillGracePeriod = TimeSpan.Zero };
        job = job with { Container = job.Container! with { PortMappings = [new PortMapping(8080)] } };
        var handle = await cluster.Jobs.SubmitAsync(job);
        await WaitForStateAsync(handle, TaskState.Running);

        var state = await cluster.GetStateAsync();
        var hostPort = state.Tasks.Single(t => t.TaskId == $"{handle.JobId}.1").Resources.Ports.Ranges.Single().Begin;
        hostPort.Should().BeInRange(31500, 31510);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string? body = null;
        await EventuallyAsync(async () =>
        {
            try
            {
                body = await http.GetStringAsync($"http://127.0.0.1:{hostPort}/");
                return true;
            }
            catch (HttpRequestException)
            {
                return false; // httpd is not listening yet.
            }
        }, $"httpd answers on host port {hostPort}");
        body.Should().Be("served-by-embedded\n");

        await handle.CancelAsync();
        (await handle.Completion.WaitAsync(Guard)).State.Should().Be(TaskState.Killed);
    }

    [DockerFact]
    public async Task A_named_volume_keeps_data_from_one_task_to_the_next()
    {
        var agent = NewAgent("vol");
        var volume = $"embedded-test-{Guid.NewGuid():N}";
        try
        {
            await using var cluster = await StartClusterAsync(agent);
            Job WithVolume(Job job) => job with { Container = job.Container! with { Volumes = [new VolumeMount(volume, "/data")] } };

            var write = await cluster.Jobs.RunAsync(WithVolume(Sh("echo kept > /data/file"))).WaitAsync(Guard);
            write.State.Should().Be(TaskState.Finished, write.ToString());
            var read = await cluster.Jobs.RunAsync(WithVolume(Sh("cat /data/file"))).WaitAsync(Guard);
            read.State.Should().Be(TaskState.Finished, read.ToString());
            read.Stdout.Should().Be("kept\n");
        }
        finally
        {
            await Docker.Client.Volumes.RemoveAsync(volume, force: true);
        }
    }

    [DockerFact]
    public async Task A_host_path_under_an_allowed_directory_is_mounted()
    {
        var agent = NewAgent("bind");
        var allowed = Directory.CreateTempSubdirectory("embedded-allowed-");
        try
        {
            var shared = Directory.CreateDirectory(Path.Combine(allowed.FullName, "shared"));
            await File.WriteAllTextAsync(Path.Combine(shared.FullName, "in"), "from-host\n");
            await using var cluster = await StartClusterAsync(agent, d => d.AllowHostPath(allowed.FullName));
            var job = Sh("cat /mnt/in; echo from-container > /mnt/out");
            job = job with { Container = job.Container! with { Volumes = [new VolumeMount(shared.FullName, "/mnt")] } };

            var result = await cluster.Jobs.RunAsync(job).WaitAsync(Guard);
            result.State.Should().Be(TaskState.Finished, result.ToString());
            result.Stdout.Should().Be("from-host\n");
            (await File.ReadAllTextAsync(Path.Combine(shared.FullName, "out"))).Should().Be("from-container\n");
        }
        finally
        {
            allowed.Delete(recursive: true);
        }
    }

    [DockerFact]
    public async Task A_host_path_outside_the_allowed_directories_is_refused_as_invalid()
    {
        var agent = NewAgent("nobind");
        var allowed = Directory.CreateTempSubdirectory("embedded-allowed-");
        try
        {
            await using var cluster = await StartClusterAsync(agent, d => d.AllowHostPath(allowed.FullName));
            foreach (var source in new[] { "/etc", allowed.FullName + "/../escape", allowed.FullName + "-sibling" })
            {
                var job = Sh("cat /mnt/passwd");
                job = job with { Container = job.Container! with { Volumes = [new VolumeMount(source, "/mnt")] } };
                var result = await cluster.Jobs.RunAsync(job).WaitAsync(Guard);
                result.State.Should().Be(TaskState.Error, source);
                result.Reason.Should().Be(TaskReason.TaskInvalid);
                result.Message.Should().MatchRegex("may not (be mounted|contain '..')");
            }
        }
        finally
        {
            allowed.Delete(recursive: true);
        }
    }

    [DockerFact]
    public async Task Isolation_on_a_linux_engine_and_an_invalid_image_name_are_refused_as_invalid()
    {
        var agent = NewAgent("invalid");
        await using var cluster = await StartClusterAsync(agent);

        var isolated = Sh("true");
        isolated = isolated with { Container = isolated.Container! with { Isolation = ContainerIsolation.HyperV } };
        var result = await cluster.Jobs.RunAsync(isolated).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Error);
        result.Reason.Should().Be(TaskReason.TaskInvalid);
        result.Message.Should().Contain("isolation 'hyperv' is for Windows containers");

        var badName = await cluster.Jobs.RunAsync(Job.Docker("Embedded-Test/NOT_lowercase")).WaitAsync(Guard);
        badName.State.Should().Be(TaskState.Error, badName.ToString());
        badName.Reason.Should().Be(TaskReason.TaskInvalid);
        badName.Message.Should().Contain("not a valid reference").And.Contain("invalid reference format");
    }

    [DockerFact]
    public async Task A_missing_image_with_pull_policy_Never_fails_with_ImagePullFailed()
    {
        var agent = NewAgent("never");
        await using var cluster = await StartClusterAsync(agent);
        var job = Job.Docker("embedded-test/not-there:1.0");
        job = job with { Container = job.Container! with { Pull = PullPolicy.Never } };

        var result = await cluster.Jobs.RunAsync(job).WaitAsync(Guard);
        result.State.Should().Be(TaskState.Failed);
        result.Reason.Should().Be(TaskReason.ImagePullFailed);
        result.Message.Should().Contain("image embedded-test/not-there:1.0 is not present and the pull policy is Never");
    }

    [DockerFact]
    public async Task A_command_that_cannot_start_fails_with_ContainerLaunchFailed_and_leaves_no_container()
    {
        var agent = NewAgent("nostart");
        await using var cluster = await StartClusterAsync(agent);
        var result = await cluster.Jobs.RunAsync(Job.Docker(DockerFixture.TestImage, ["/no/such/program"])).WaitAsync(Guard);

        result.State.Should().Be(TaskState.Failed, result.ToString());
        result.Reason.Should().Be(TaskReason.ContainerLaunchFailed);
        result.Message.Should().Contain("/no/such/program");
        (await Docker.ContainersOfAsync(agent)).Should().BeEmpty();
    }

    [DockerFact]
    public async Task Eight_containers_run_at_once()
    {
        var agent = NewAgent("many");
        await using var cluster = await StartClusterAsync(agent, resources: "cpus:8;mem:4096;disk:1024;ports:[31000-31100]");
        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => cluster.Jobs.RunAsync(Sh($"echo job {i}")).WaitAsync(Guard)));

        results.Should().OnlyContain(r => r.State == TaskState.Finished);
        results.Select(r => r.Stdout).Should().BeEquivalentTo(Enumerable.Range(1, 8).Select(i => $"job {i}\n"));
    }

    [DockerFact]
    public async Task A_container_removed_behind_the_agents_back_fails_with_ExecutorTerminated()
    {
        var agent = NewAgent("gone");
        await using var cluster = await StartClusterAsync(agent);
        var handle = await cluster.Jobs.SubmitAsync(Sh("sleep 300"));
        await WaitForStateAsync(handle, TaskState.Running);

        var container = (await Docker.ContainersOfAsync(agent)).Single();
        await Docker.Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });

        var result = await handle.Completion.WaitAsync(Guard);
        result.State.Should().Be(TaskState.Failed);
        result.Reason.Should().Be(TaskReason.ExecutorTerminated);
        result.Message.Should().Contain("outside Embedded");
    }

    [DockerFact]
    public async Task Stopping_the_agent_kills_its_containers_and_removes_them()
    {
        var agent = NewAgent("stop");
        await using var cluster = await StartClusterAsync(agent);
        var handles = new List<JobHandle>();
        for (var i = 0; i < 2; i++) handles.Add(await cluster.Jobs.SubmitAsync(Sh("sleep 300")));
        foreach (var handle in handles) await WaitForStateAsync(handle, TaskState.Running);
        (await Docker.ContainersOfAsync(agent)).Should().HaveCount(2);

        await cluster.Agent(agent).StopAsync();

        (await Docker.ContainersOfAsync(agent)).Should().BeEmpty();
        foreach (var handle in handles)
        {
            var result = await handle.Completion.WaitAsync(Guard);
            result.State.Should().Be(TaskState.Killed);
            result.Reason.Should().Be(TaskReason.AgentRestarted);
        }
    }

    [DockerFact]
    public async Task The_agent_advertises_the_engines_os_arch_version_and_capacity()
    {
        var agent = NewAgent("facts");
        await using var cluster = await StartClusterAsync(agent);
        var info = await Docker.Client.System.GetSystemInfoAsync();
        var version = await Docker.Client.System.GetVersionAsync();

        var state = await cluster.GetStateAsync();
        var registered = state.Agents.Single(a => a.AgentId == agent);
        registered.Attributes["os"].Should().Be("linux");
        registered.Attributes["arch"].Should().Be(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant());
        registered.Attributes["docker_version"].Should().Be(version.Version);
        registered.Total.Cpus.Value.Should().Be(info.NCPU);
        registered.Total.Mem.Value.Should().Be(info.MemTotal / (1024 * 1024));
        registered.Total.Disk.Value.Should().Be(10240);
        registered.Total.Ports.ToString().Should().Be("[31000-32000]");
    }
}
