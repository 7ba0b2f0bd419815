using Embedded.Orchestration.Model;

namespace Embedded.Orchestration.Scheduling;

/// <summary>
/// What the built-in schedulers share: feed a session's events to the scheduler's loop and, when the
/// master goes away (a restart), subscribe again under the same framework id, until it is told to stop.
/// </summary>
internal static class FailoverPump
{
    public static async Task RunAsync(
        IClusterClient cluster, SchedulerSession session, FrameworkInfo info, Action<SchedulerEvent> received, Action<SchedulerSession> resubscribed,
        Action<Exception> failed, CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                await foreach (var e in session.Events.ConfigureAwait(false)) received(e);
            }
            catch (Exception e)
            {
                failed(e);
            }
            if (stopping.IsCancellationRequested) return;
            try
            {
                session = await cluster.SubscribeAsync(info with { FrameworkId = session.FrameworkId }, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or ArgumentException)
            {
                failed(e);
                return;
            }
            resubscribed(session);
        }
    }
}
