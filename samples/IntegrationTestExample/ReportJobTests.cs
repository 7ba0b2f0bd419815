using Embedded.Orchestration.Model;
using Embedded.Orchestration.Scheduling;
using FluentAssertions;
using Xunit;

namespace Embedded.Samples.IntegrationTestExample;

/// <summary>What an application's own integration test looks like: real jobs on a real in-process cluster.</summary>
public sealed class ReportJobTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task The_report_job_prints_a_total()
    {
        var result = await fixture.Cluster.Jobs.RunAsync(Job.Shell("echo total=$((20 + 22))"));

        result.State.Should().Be(TaskState.Finished);
        result.Stdout.Should().Be("total=42\n");
    }

    [Fact]
    public async Task A_broken_report_fails_with_its_exit_code()
    {
        var result = await fixture.Cluster.Jobs.RunAsync(Job.Shell("echo 'no input' >&2; exit 2"));

        result.State.Should().Be(TaskState.Failed);
        result.ExitCode.Should().Be(2);
        result.Stderr.Should().Contain("no input");
    }
}
