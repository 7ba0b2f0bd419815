using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>
/// Services whose health the agents really check, on the real clock with short intervals: an HTTP check
/// against busybox httpd processes, a TCP check against a delegate listening on its host port, and a command
/// check that turns bad. Every wait is for a state under a guard, never a fixed time.
/// </summary>
public sealed class ServiceHealthCheckTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static HealthCheck Fast(HealthCheck check) => check with
    {
        Delay = TimeSpan.Zero,
        Interval = TimeSpan.FromMilliseconds(100),
        Timeout = TimeSpan.FromSeconds(10),
        ConsecutiveFailures = 1,
        GracePeriod = TimeSpan.Zero,
    };

    private static readonly RestartPolicy Quick = new() { Delay = TimeSpan.FromMilliseconds(100) };

    private Task<MiniCluster> StartAsync() => MiniCluster.StartAsync(2, o => o.Jobs.Enabled = false, loggerFactory: TestOutputLoggerProvider.Factory(output));

    [LinuxFact]
    public async Task An_http_checked_process_service_is_healthy_once_it_answers_and_an_instance_killed_behind_its_back_is_replaced()
    {
        await using var cluster = await StartAsync();
        // httpd listens only after a pause: without the readiness check the service would be "healthy" before it answers.
        var spec = ServiceSpec.Shell("site", "mkdir -p www && echo \"hello from $EMBEDDED_TASK_ID\" > www/index.html && sleep 0.3 && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h www") with
        {
            Instances = 2,
            Ports = 1,
            PortNames = ["http"],
            HealthCheck = Fast(HealthCheck.Http("/index.html")) with { PortName = "http", GracePeriod = TimeSpan.FromSeconds(30) },
            ReadinessCheck = Fast(HealthCheck.Http("/index.html")) with { PortName = "http" },
            Restart = Quick,
        };
        await using var site = await cluster.Services.StartAsync(spec).WaitAsync(Guard);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        site.Endpoints.Should().HaveCount(2);
        foreach (var endpoint in site.Endpoints)
            (await http.GetStringAsync($"http://127.0.0.1:{endpoint.Port("http")}/index.html")).Should().Be($"hello from {endpoint.InstanceId}\n", "healthy means it answers, at the first try");

        var victim = site.Endpoints[0].InstanceId;
        (await cluster.Client.KillTaskAsync(victim)).Outcome.Should().Be(TaskKillOutcome.Killing);
        await Until(() => site.IsHealthy && site.Endpoints.Length == 2 && site.Endpoints.All(e => e.InstanceId != victim), "the killed instance replaced by a healthy one");
        foreach (var endpoint in site.Endpoints)
            (await http.GetStringAsync($"http://127.0.0.1:{endpoint.Port("http")}/index.html")).Should().Be($"hello from {endpoint.InstanceId}\n");
    }

    [LinuxFact]
    public async Task A_delegate_service_listens_on_its_host_port_and_a_tcp_check_finds_it()
    {
        await using var cluster = await StartAsync();
        var spec = ServiceSpec.Run("echo", async (context, ct) =>
        {
            using var listener = new TcpListener(IPAddress.Loopback, context.Ports[0]);
            listener.Start();
            while (!ct.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(ct);
                await client.GetStream().WriteAsync("hi\n"u8.ToArray(), ct);
            }
            return 0;
        }) with
        {
            Ports = 1,
            PortNames = ["tcp"],
            HealthCheck = Fast(HealthCheck.Tcp()) with { PortName = "tcp" },
        };
        await using var echo = await cluster.Services.StartAsync(spec).WaitAsync(Guard);

        var instance = echo.Instances.Should().ContainSingle().Subject;
        instance.Healthy.Should().BeTrue();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, echo.Endpoints[0].Port("tcp"));
        var buffer = new byte[3];
        await tcp.GetStream().ReadExactlyAsync(buffer);
        buffer.Should().Equal("hi\n"u8.ToArray());
    }

    [LinuxFact]
    public async Task A_command_check_that_turns_bad_gets_the_instance_killed_as_unhealthy_and_replaced()
    {
        var flags = Directory.CreateTempSubdirectory("embedded-flags-");
        try
        {
            await CheckTurnsBadAsync(flags.FullName);
        }
        finally
        {
            flags.Delete(recursive: true);
        }
    }

    private async Task CheckTurnsBadAsync(string flags)
    {
        await using var cluster = await StartAsync();
        // Healthy until the test drops a flag named after the instance, in a directory outside the sandboxes.
        var spec = (ServiceSpec.Shell("worker", "echo $EMBEDDED_TASK_ID > id && exec sleep 1000") with
        {
            HealthCheck = Fast(HealthCheck.Shell("test ! -f \"$FLAGS/$(cat id)\"")),
            Restart = Quick,
        }).WithEnvironment("FLAGS", flags);
        await using var worker = await cluster.Services.StartAsync(spec).WaitAsync(Guard);
        var first = worker.Instances.Single();
        var events = worker.WatchAsync().GetAsyncEnumerator();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(flags, first.InstanceId), "");

            ServiceEvent unhealthy;
            do
            {
                (await events.MoveNextAsync().AsTask().WaitAsync(Guard)).Should().BeTrue();
                unhealthy = events.Current;
            }
            while (unhealthy.InstanceId != first.InstanceId || !unhealthy.Status.State.IsTerminal());
            unhealthy.Status.State.Should().Be(TaskState.Killed);
            unhealthy.Status.Reason.Should().Be(TaskReason.TaskUnhealthy);
            await Until(() => worker.IsHealthy && worker.Instances.Single().InstanceId != first.InstanceId, "a healthy replacement");
        }
        finally
        {
            await events.DisposeAsync();
        }
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!condition())
        {
            try
            {
                await Task.Delay(10, guard.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no {what} within {Guard.TotalSeconds} s");
            }
        }
    }
}
