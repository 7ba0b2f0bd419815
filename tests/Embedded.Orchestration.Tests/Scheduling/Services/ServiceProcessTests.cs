using System.Net.Http;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Scheduling.Services;
using Xunit.Abstractions;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>A service of real processes: its endpoints reach the instances from the host.</summary>
public sealed class ServiceProcessTests(ITestOutputHelper output)
{
    [LinuxFact]
    public async Task The_endpoints_of_an_http_service_answer_from_the_host()
    {
        File.Exists("/usr/bin/busybox").Should().BeTrue("scripts/setup.sh installs busybox-static");
        await using var cluster = await MiniCluster.StartAsync(2, o => o.Jobs.Enabled = false, loggerFactory: TestOutputLoggerProvider.Factory(output));
        var spec = ServiceSpec.Shell("site", "mkdir -p www && echo \"hello from $EMBEDDED_TASK_ID\" > www/index.html && exec busybox httpd -f -p 127.0.0.1:$PORT0 -h www") with
        {
            Instances = 2,
            Ports = 1,
            PortNames = ["http"],
        };
        await using var site = await cluster.Services.StartAsync(spec).WaitAsync(EventStream.DefaultGuard);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var endpoint in site.Endpoints)
        {
            string body = "";
            using var guard = new CancellationTokenSource(EventStream.DefaultGuard);
            while (!guard.IsCancellationRequested)
            {
                try
                {
                    body = await http.GetStringAsync($"http://127.0.0.1:{endpoint.Port("http")}/", guard.Token);
                    break;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(20, guard.Token); // RUNNING comes before httpd listens: without a readiness check, this test waits for it
                }
            }
            body.Should().Be($"hello from {endpoint.InstanceId}\n");
        }
    }
}
