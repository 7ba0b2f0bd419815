using Embedded.Orchestration.Model;
using Embedded.Orchestration.Transport;
using Microsoft.Extensions.Logging;

namespace Embedded.Orchestration.Scheduling;

/// <summary>
/// What the built-in schedulers share: feed a session's events to the scheduler's loop and, when the
/// master goes away (a restart), subscribe again under the same framework id, until it is told to stop.
/// </summary>
internal static partial class FailoverPump
{
    // The agents' reconnect delays: a restarted master is found within seconds, and many clients do not knock at once.
    internal static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(250);
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(
        IClusterClient cluster, SchedulerSession session, FrameworkInfo info, Action<SchedulerEvent> received, Action<SchedulerSession> resubscribed,
        Action<Exception> failed, TimeProvider time, ILogger logger, CancellationToken stopping)
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
            if (await ResubscribeAsync(cluster, info with { FrameworkId = session.FrameworkId }, time, logger, stopping).ConfigureAwait(false) is not { } next) return;
            session = next;
            resubscribed(session);
        }
    }

    /// <summary>
    /// Subscribes again with backoff while the master does not answer (a remote master that is restarting), until
    /// the host stops or the failover timeout has passed since the stream ended (the master has removed the framework by then).
    /// </summary>
    private static async Task<SchedulerSession?> ResubscribeAsync(IClusterClient cluster, FrameworkInfo info, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        var frameworkId = info.FrameworkId!;
        var since = time.GetTimestamp();
        var backoff = new ReconnectBackoff(MinRetryDelay, MaxRetryDelay);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var session = await cluster.SubscribeAsync(info, stopping).ConfigureAwait(false);
                if (attempt > 1) LogResubscribed(logger, frameworkId, attempt);
                return session;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
            catch (ArgumentException e)
            {
                // The master refused the framework (a changed role): asking again cannot change its answer.
                LogRefused(logger, frameworkId, e);
                return null;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException or InvalidDataException or OperationCanceledException)
            {
                var left = info.FailoverTimeout - time.GetElapsedTime(since);
                if (left <= TimeSpan.Zero)
                {
                    LogGaveUp(logger, frameworkId, attempt, info.FailoverTimeout, e);
                    return null;
                }
                var delay = backoff.Next();
                if (delay > left) delay = left;
                LogRetrying(logger, frameworkId, attempt, delay, e.Message);
                try
                {
                    await Task.Delay(delay, time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Framework {FrameworkId} could not subscribe again (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string frameworkId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Framework {FrameworkId} subscribed again after {Attempt} attempts")]
    private static partial void LogResubscribed(ILogger logger, string frameworkId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Framework {FrameworkId} gave up subscribing again after {Attempt} attempts: its failover timeout of {FailoverTimeout} has passed")]
    private static partial void LogGaveUp(ILogger logger, string frameworkId, int attempt, TimeSpan failoverTimeout, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The master refused framework {FrameworkId} subscribing again")]
    private static partial void LogRefused(ILogger logger, string frameworkId, Exception exception);
}
