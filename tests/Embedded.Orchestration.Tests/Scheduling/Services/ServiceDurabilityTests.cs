using Embedded.Orchestration.Execution;
using Embedded.Orchestration.Hosting;
using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using Embedded.Orchestration.Scheduling.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Embedded.Orchestration.Tests.Scheduling.Services.ServiceTesting;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

/// <summary>Services across a master restart and a host restart, and the host's services deployed in dependency order.</summary>
public sealed class ServiceDurabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "embedded-services-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_service_runs_through_a_master_restart_and_the_scheduler_fails_over_under_its_framework_id()
    {
        await using var cluster = await StartAsync(output, _time, configure: o => o.Master.WorkDirectory = _directory);
        var scheduler = cluster.ServiceProvider.GetRequiredService<ServiceScheduler>();
        scheduler.FrameworkId.Should().BeNull("the framework subscribes with the first deployment");
        (await cluster.GetStateAsync()).Frameworks.Should().BeEmpty();
        await using var web = await cluster.Services.DeployAsync(ServiceSpec.Run("web", Forever()) with { Instances = 2 });
        var framework = scheduler.FrameworkId;
        framework.Should().NotBeNull();
        await cluster.HealthyAsync(web, _time);
        var before = web.Instances.Select(i => i.InstanceId).ToList();

        await cluster.RestartMasterAsync();
        await cluster.AdvanceServicesAsync(_time, TimeSpan.FromSeconds(5));

        await web.ScaleAsync(3);
        await cluster.HealthyAsync(web, _time);
        scheduler.FrameworkId.Should().Be(framework);
        web.Instances.Select(i => i.InstanceId).Should().StartWith(before, "the instances ran through the restart");
        var state = await cluster.GetStateAsync();
        state.Tasks.Where(t => t.FrameworkId == framework && t.State == TaskState.Running).Should().HaveCount(3);
    }

    [Fact]
    public async Task A_restarted_host_brings_back_the_services_its_work_directory_kept()
    {
        Task<MiniCluster> Host() => StartAsync(output, _time, configure: o => o.Services.WorkDirectory = _directory);
        await using (var first = await Host())
        {
            first.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("forever", Forever());
            var kept = await first.Services.DeployAsync(new ServiceSpec { Name = "web", Delegate = "forever", Ports = 1, PortNames = ["http"] }
                .WithConstraint(Constraint.NotEqual("zone", "x")));
            await kept.ScaleAsync(2);
            await first.Services.DeployAsync(ServiceSpec.Run("body", Forever()));
            await first.HealthyAsync(kept, _time);
            File.ReadAllText(Path.Combine(_directory, "services.json")).Should().Contain("\"web\"").And.NotContain("\"body\"");
        }

        await using var second = await Host();
        second.ServiceProvider.GetRequiredService<DelegateRegistry>().Register("forever", Forever());
        await second.UntilAsync(() => second.Services.Find("web") is not null, "the kept service to be deployed");
        var web = second.Services.Find("web")!;
        await second.HealthyAsync(web, _time);
        web.Spec.Instances.Should().Be(2, "the count it was scaled to");
        web.Spec.Constraints.Should().Equal(Constraint.NotEqual("zone", "x"));
        web.Endpoints.Should().OnlyContain(e => e.Port("http") > 0);
        second.Services.Find("body").Should().BeNull("a delegate body cannot be kept in a file");
    }

    [Fact]
    public async Task A_host_deploys_a_service_only_once_what_it_depends_on_is_healthy()
    {
        var api = new Counter();
        await using var cluster = await StartAsync(output, _time, agents: 1, configure: o => o
            .AddService(ServiceSpec.Run("db", Forever()) with { Instances = 2, Constraints = [Constraint.OnePerAgent("db")] })
            .AddService(ServiceSpec.Run("api", Forever(api)).WaitFor("db")));
        await cluster.UntilAsync(() => cluster.Services.Find("db") is not null, "db to be deployed");
        var db = cluster.Services.Find("db")!;
        await cluster.AdvanceServicesAsync(_time, TimeSpan.FromSeconds(30));
        db.Instances.Should().ContainSingle("one agent takes one instance of db");
        cluster.Services.Find("api").Should().BeNull("db is not healthy");
        api.Value.Should().Be(0);

        await db.ScaleAsync(1);
        await cluster.UntilAsync(() => cluster.Services.Find("api") is { IsHealthy: true }, "api to be deployed and healthy");
        api.Value.Should().Be(1);
    }
}
