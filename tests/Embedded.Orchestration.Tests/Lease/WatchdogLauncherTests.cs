using Embedded.Orchestration.Lease;

namespace Embedded.Orchestration.Tests.Lease;

/// <summary>How the watchdog is started: never told to wait for a diagnostics tool that is tracing its owner.</summary>
public sealed class WatchdogLauncherTests
{
    [Fact]
    public void The_watchdog_does_not_inherit_the_owners_diagnostic_ports()
    {
        // As dotnet-trace sets it for the process it launches; the watchdog would wait at startup for a resume that never comes.
        const string name = "DOTNET_DiagnosticPorts";
        var before = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, "/tmp/embedded-no-such-port,suspend");
        try
        {
            var (start, problem) = WatchdogLauncher.Build(OwnerIdentityInfo.Current);

            problem.Should().BeNull();
            start!.Environment.Should().NotContainKey(name);
            start.Environment.Keys.Should().NotContain(WatchdogLauncher.DiagnosticsVariables);
            start.Environment.Should().ContainKey("PATH", "the rest of the owner's environment is kept");
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, before);
        }
    }
}
