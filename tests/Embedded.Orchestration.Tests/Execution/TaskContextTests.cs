using Embedded.Orchestration.Execution;

namespace Embedded.Orchestration.Tests.Execution;

/// <summary>A context made by hand, as a test of a task's body makes one: a plain record, whose copies never change the original.</summary>
public sealed class TaskContextTests
{
    private static readonly Dictionary<string, string> Environment = new() { ["MODE"] = "test" };

    [Fact]
    public void A_context_made_by_hand_gives_back_what_it_was_given_and_a_copy_with_changes_leaves_it_alone()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var original = new TaskContext("t", "agent-1", "/sandbox", Environment, stdout, stderr);
        var sent = new List<byte[]>();

        var copy = original with { SandboxDirectory = "/elsewhere", SendToFramework = data => sent.Add(data.ToArray()), Ports = [31000] };
        copy.SendToFramework(new byte[] { 1, 2 });
        original.SendToFramework(new byte[] { 3 });

        original.SandboxDirectory.Should().Be("/sandbox");
        original.Stdout.Should().BeSameAs(stdout);
        original.Stderr.Should().BeSameAs(stderr);
        original.Ports.Should().BeEmpty();
        copy.SandboxDirectory.Should().Be("/elsewhere");
        copy.Stdout.Should().BeSameAs(stdout, "what the copy did not change it shares");
        copy.Ports.Should().Equal(31000);
        sent.Should().ContainSingle().Which.Should().Equal(1, 2);
        original.Messages.TryRead(out _).Should().BeFalse("a context made by hand gets no messages");
    }

    [Fact]
    public void Contexts_made_by_hand_from_the_same_values_are_equal()
    {
        var stdout = new StringWriter();
        var a = new TaskContext("t", "agent-1", "/sandbox", Environment, stdout, stdout);
        var b = new TaskContext("t", "agent-1", "/sandbox", Environment, stdout, stdout);

        a.Should().Be(b);
        (a with { SandboxDirectory = "/other" }).Should().NotBe(b);
    }
}
