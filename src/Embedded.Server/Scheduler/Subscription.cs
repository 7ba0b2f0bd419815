using Embedded.Orchestration.Scheduling;

namespace Embedded.Server.Scheduler;

/// <summary>One framework's live SUBSCRIBE stream: the id its later calls must carry and the session they run on.</summary>
internal sealed record Subscription(string FrameworkId, string StreamId, SchedulerSession Session)
{
    public TaskAgents TaskAgents { get; } = new(100_000);
}
