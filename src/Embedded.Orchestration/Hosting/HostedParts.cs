using Microsoft.Extensions.Hosting;

namespace Embedded.Orchestration.Hosting;

/// <summary>Stops hosted services the way the generic host does, for a cluster that runs without one.</summary>
internal static class HostedParts
{
    /// <summary>
    /// Tells every part that stopping begins (<see cref="IHostedLifecycleService.StoppingAsync"/>), stops
    /// each in reverse order, then tells them it is over. Every part is stopped even when one fails;
    /// the failures are thrown together at the end. A cancelled token is no failure: best effort.
    /// </summary>
    public static async Task StopAsync(IReadOnlyList<IHostedService> parts, CancellationToken cancellationToken)
    {
        var failures = new List<Exception>();
        for (var i = parts.Count - 1; i >= 0; i--)
            if (parts[i] is IHostedLifecycleService lifecycle)
                await Collect(() => lifecycle.StoppingAsync(cancellationToken)).ConfigureAwait(false);
        for (var i = parts.Count - 1; i >= 0; i--)
        {
            var part = parts[i];
            await Collect(() => part.StopAsync(cancellationToken)).ConfigureAwait(false);
        }
        for (var i = parts.Count - 1; i >= 0; i--)
            if (parts[i] is IHostedLifecycleService lifecycle)
                await Collect(() => lifecycle.StoppedAsync(cancellationToken)).ConfigureAwait(false);
        if (failures.Count > 0) throw new AggregateException("one or more parts of the cluster failed to stop", failures);

        async Task Collect(Func<Task> step)
        {
            try
            {
                await step().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down goes on even when a part would not stop in time.
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
    }
}
