using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling.Services;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

public sealed class ServiceSpecValidationTests
{
    private static readonly ServiceSpec Good = ServiceSpec.Shell("web", "sleep 1000");

    [Theory]
    [InlineData("bad name", "service name 'bad name' must be")]
    [InlineData("", "service name '' must be")]
    public void A_bad_name_is_refused(string name, string message) =>
        ServiceSpecValidation.Problem(Good with { Name = name }).Should().StartWith(message);

    [Fact]
    public void Bad_specs_are_refused_with_what_is_wrong()
    {
        ServiceSpecValidation.Problem(Good).Should().BeNull();
        ServiceSpecValidation.Problem(Good with { Delegate = "x" }).Should().Be("service 'web' needs exactly one of a command, a container, a delegate name or a body");
        ServiceSpecValidation.Problem(Good with { Instances = -1 }).Should().Contain("instances must be from 0");
        ServiceSpecValidation.Problem(Good with { PortNames = ["http"] }).Should().Be("service 'web': 1 port names for 0 ports");
        ServiceSpecValidation.Problem(Good with { Update = new UpdateStrategy { MaxSurge = 0, MaxUnavailable = 0 } }).Should().Contain("cannot both be 0");
        ServiceSpecValidation.Problem(Good with { Update = new UpdateStrategy { MinHealthyTime = TimeSpan.FromMinutes(10) } }).Should().Contain("HealthyDeadline");
        ServiceSpecValidation.Problem(Good with { Restart = new RestartPolicy { Factor = 0.5 } }).Should().Contain("restart factor");
        ServiceSpecValidation.Problem(Good.WaitFor("web")).Should().Be("service 'web' depends on itself");
        ServiceSpecValidation.Problem(Good with { Ports = 1, HealthCheck = HealthCheck.Tcp() with { PortName = "grpc" } })
            .Should().Be("service 'web': the health check probes port 'grpc', which the service does not have");
        ServiceSpecValidation.Problem(Good with { ReadinessCheck = HealthCheck.Http("/") }).Should().Be("service 'web': the readiness check probes port 0, but the service has 0 port(s)");
        ServiceSpecValidation.Problem(Good with { Ports = 2, PortNames = ["http", "admin"], HealthCheck = HealthCheck.Http("/") with { PortName = "admin" } }).Should().BeNull();
    }
}
