using Embedded.Orchestration.Transport;

namespace Embedded.Orchestration.Tests.Transport;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Delays_double_from_the_minimum_up_to_the_maximum_each_jittered_down_by_at_most_a_fifth_and_reset_to_the_minimum()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2), new Random(7));
        var nominal = new[] { 250, 500, 1000, 2000, 2000, 2000 };
        foreach (var ms in nominal)
            backoff.Next().TotalMilliseconds.Should().BeInRange(ms * 0.8, ms);

        backoff.Reset();
        backoff.Next().TotalMilliseconds.Should().BeInRange(200, 250);
    }

    [Fact]
    public void Two_agents_cut_off_together_do_not_knock_again_at_the_same_moment()
    {
        var a = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), new Random(1));
        var b = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), new Random(2));
        Enumerable.Range(0, 5).Select(_ => a.Next()).Should().NotEqual(Enumerable.Range(0, 5).Select(_ => b.Next()));
    }
}
