using Embedded.Watchdog;

namespace Embedded.Orchestration.Tests.Lease;

public sealed class WatchCommandTests
{
    [Fact]
    public void A_watch_line_carries_the_work_directory_lease_timeout_and_whether_it_is_temporary()
    {
        WatchCommand.TryParse("watch\t/tmp/embedded/agent 1\tabc123\t2.5\t1", out var command, out var error).Should().BeTrue(error);
        command.Should().Be(new WatchCommand.Watch("/tmp/embedded/agent 1", "abc123", TimeSpan.FromSeconds(2.5), Temporary: true));
    }

    [Fact]
    public void Engine_and_release_lines_parse()
    {
        WatchCommand.TryParse("engine\t/w\tunix:///var/run/docker.sock", out var engine, out _).Should().BeTrue();
        engine.Should().Be(new WatchCommand.Engine("/w", new Uri("unix:///var/run/docker.sock")));
        WatchCommand.TryParse("release\t/w\r", out var release, out _).Should().BeTrue();
        release.Should().Be(new WatchCommand.Release("/w"));
    }

    [Theory]
    [InlineData("watch\trelative/dir\tabc\t1\t0", "absolute path")]
    [InlineData("watch\t/w\tab c\t1\t0", "lease id")]
    [InlineData("watch\t/w\tabc\t-1\t0", "non-negative")]
    [InlineData("watch\t/w\tabc\tsoon\t0", "non-negative")]
    [InlineData("watch\t/w\tabc\t1\tyes", "0 or 1")]
    [InlineData("engine\t/w\tssh://host", "endpoint")]
    [InlineData("watch\t/w\tabc", "not a command")]
    [InlineData("kill-everything", "not a command")]
    public void A_bad_line_is_refused_with_the_reason(string line, string reason)
    {
        WatchCommand.TryParse(line, out var command, out var error).Should().BeFalse();
        command.Should().BeNull();
        error.Should().Contain(reason);
    }

    [Theory]
    [InlineData("--owner 42:1234", true)]
    [InlineData("watchdog --owner 42:1234 --log /tmp/x", true)]
    [InlineData("--owner 42", false)]
    [InlineData("--owner 0:5", false)]
    [InlineData("", false)]
    [InlineData("--owner 42:1 --verbose", false)]
    public void The_watchdog_needs_its_owner_as_pid_and_start_time(string arguments, bool valid)
    {
        OwnerIdentity.TryParseArguments(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), out var owner, out _, out var error).Should().Be(valid, error);
        if (valid) owner.Should().Be(new OwnerIdentity(42, 1234));
    }
}
