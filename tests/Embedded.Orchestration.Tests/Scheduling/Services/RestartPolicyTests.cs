using Embedded.Orchestration.Scheduling.Services;

namespace Embedded.Orchestration.Tests.Scheduling.Services;

public sealed class RestartPolicyTests
{
    [Fact]
    public void The_backoff_is_Marathons_one_second_times_1_15_per_failure_at_most_five_minutes()
    {
        var policy = new RestartPolicy();
        policy.DelayAfter(0).Should().Be(TimeSpan.Zero);
        policy.DelayAfter(1).Should().Be(TimeSpan.FromSeconds(1));
        policy.DelayAfter(2).TotalSeconds.Should().BeApproximately(1.15, 1e-6);
        policy.DelayAfter(3).TotalSeconds.Should().BeApproximately(1.3225, 1e-6);
        policy.DelayAfter(40).TotalSeconds.Should().BeApproximately(Math.Pow(1.15, 39), 1e-6);
        policy.DelayAfter(100).Should().Be(TimeSpan.FromMinutes(5));
        policy.DelayAfter(100_000).Should().Be(TimeSpan.FromMinutes(5));
    }
}
